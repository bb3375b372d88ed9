import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as onp  # noqa: E402
import pytest  # noqa: E402
from mxnet import np  # noqa: E402

import d2lite  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _data(line):
    return line.get_xdata().tolist(), line.get_ydata().tolist()


def test_plot_one_curve():
    x = onp.arange(5)
    ax = d2lite.plot(x, x ** 2, xlabel="x", ylabel="y", yscale="log", figsize=(2, 1))
    assert len(ax.lines) == 1
    assert _data(ax.lines[0]) == ([0, 1, 2, 3, 4], [0, 1, 4, 9, 16])
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_yscale()) == ("x", "y", "log")
    assert tuple(ax.figure.get_size_inches()) == (2, 1)


def test_plot_several_curves_share_x():
    x = [0.0, 1.0, 2.0]
    ax = d2lite.plot(x, [[1, 2, 3], [3, 2, 1]], legend=["up", "down"])
    assert [_data(line) for line in ax.lines] == [(x, [1, 2, 3]), (x, [3, 2, 1])]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["up", "down"]
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--"]


def test_plot_x_only_uses_the_index():
    ax = d2lite.plot(onp.array([5.0, 6.0, 7.0]))
    assert len(ax.lines) == 1
    assert _data(ax.lines[0]) == ([0, 1, 2], [5, 6, 7])


def test_plot_mxnet_arrays_on_existing_axes():
    _, axes = plt.subplots()
    x = np.arange(4)
    ax = d2lite.plot(x, [x * 2, x * 3], axes=axes)
    assert ax is axes and len(ax.lines) == 2
    assert _data(ax.lines[1]) == ([0, 1, 2, 3], [0, 3, 6, 9])


def test_set_figsize_changes_rcparams():
    with matplotlib.rc_context():
        d2lite.set_figsize((5, 4))
        assert tuple(plt.rcParams["figure.figsize"]) == (5, 4)
        assert tuple(plt.figure().get_size_inches()) == (5, 4)
        d2lite.set_figsize()
        assert tuple(plt.rcParams["figure.figsize"]) == (3.5, 2.5)


def test_show_images_grid_with_titles():
    rng = onp.random.default_rng(0)
    imgs = [rng.random((1, 28, 28)),                  # channels first, NumPy
            np.array(rng.random((1, 28, 28))),        # channels first, MXNet
            rng.random((28, 28)),                     # 2-D
            rng.random((3, 8, 8))]                    # RGB, channels first
    axes = d2lite.show_images(imgs, 2, 3, titles=["a", "b", "c", "d"])
    assert len(axes) == 6
    shapes = [ax.images[0].get_array().shape for ax in axes[:4]]
    assert shapes == [(28, 28), (28, 28), (28, 28), (8, 8, 3)]
    onp.testing.assert_allclose(axes[0].images[0].get_array(), imgs[0][0])
    assert [ax.get_title() for ax in axes] == ["a", "b", "c", "d", "", ""]
    assert all(not ax.images and not ax.axison for ax in axes[4:])


def test_show_images_passes_a_common_colour_range_to_imshow():
    imgs = [onp.full((4, 4), 0.5), onp.array([[-1.0, 1.0]])]
    axes = d2lite.show_images(imgs, 1, 2)
    assert axes[0].images[0].get_clim() == (0.5, 0.5)    # each image its own range
    axes = d2lite.show_images(imgs, 1, 2, vmin=-2, vmax=2)
    assert [ax.images[0].get_clim() for ax in axes] == [(-2, 2), (-2, 2)]


def test_show_images_rejects_too_many():
    with pytest.raises(ValueError, match="do not fit"):
        d2lite.show_images([onp.zeros((2, 2))] * 5, 2, 2)


def test_animator_accumulates_points_outside_ipython():
    animator = d2lite.Animator(xlabel="epoch", legend=["loss", "acc"], xlim=[1, 3])
    for epoch in (1, 2, 3):
        animator.add(epoch, (1 / epoch, epoch * epoch))
    assert animator.X == [[1, 2, 3], [1, 2, 3]]
    assert animator.Y == [[1, 0.5, 1 / 3], [1, 4, 9]]
    lines = animator.axes.get_lines()
    assert [_data(line) for line in lines] == [([1, 2, 3], [1, 0.5, 1 / 3]),
                                               ([1, 2, 3], [1, 4, 9])]
    assert [t.get_text() for t in animator.axes.get_legend().get_texts()] == ["loss", "acc"]
    assert animator.axes.get_xlabel() == "epoch"
    assert tuple(animator.axes.get_xlim()) == (1, 3)
    assert animator.fig.number not in plt.get_fignums()   # closed: no second copy


def test_animator_single_value_and_missing_values():
    one = d2lite.Animator()
    one.add(1, 0.5)
    one.add(2, onp.float32(0.25))
    assert one.X == [[1, 2]] and one.Y == [[0.5, 0.25]]
    two = d2lite.Animator()
    two.add(1, (1.0, None))          # None: no point for that curve yet
    two.add(2, (2.0, 3.0))
    assert two.X == [[1, 2], [2]] and two.Y == [[1, 2], [3]]


def test_animator_rejects_wrong_number_of_values():
    animator = d2lite.Animator()
    animator.add(1, (1.0, 2.0))
    with pytest.raises(ValueError, match="2 curves, got 3"):
        animator.add(2, (1.0, 2.0, 3.0))
    assert animator.X == [[1], [1]]


def test_animator_accepts_mxnet_scalars():
    # Regression: a 0-d MXNet array (e.g. loss.mean()) has __len__ but no length.
    animator = d2lite.Animator()
    animator.add(np.array(1.0), np.array(0.5))
    animator.add(2, onp.array(0.25))
    assert animator.X == [[1, 2]] and animator.Y == [[0.5, 0.25]]
    two = d2lite.Animator()
    two.add(np.array(1), np.array([0.5, 0.75]))
    assert two.X == [[1], [1]] and two.Y == [[0.5], [0.75]]


def _images(cell):
    return sum(bool({"image/png", "image/svg+xml"} & set(out.get("data", {})))
               for out in cell.outputs)


def test_animator_leaves_one_figure_in_a_headless_notebook(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    # The kernel inherits our environment: MPLBACKEND=Agg (the Makefile exports
    # it) would replace Jupyter's inline backend, and no figure would be shown.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    cell = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[
        cell("import sys, matplotlib\nprint(sys.prefix)\nprint(matplotlib.get_backend())"),
        cell("import d2lite\na = d2lite.Animator(legend=['a', 'b'])\n"
             "[a.add(i, (i, i * i)) for i in range(1, 6)];"),
        cell("x = 1"),
        # Control: a figure shown with display() and left open appears twice,
        # so counting images does detect a second copy.
        cell("import matplotlib.pyplot as plt\nfrom IPython.display import display\n"
             "fig, ax = plt.subplots()\nax.plot([1, 2])\ndisplay(fig, display_id=True);"),
    ])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                              "language": "python"}
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()

    prefix, backend = nb.cells[0].outputs[0]["text"].splitlines()
    assert prefix == sys.prefix, "the kernel must run in this environment"
    assert "inline" in backend
    assert _images(nb.cells[1]) == 1
    assert _images(nb.cells[2]) == 0
    assert sum(_images(c) for c in nb.cells[:3]) == 1
    assert _images(nb.cells[3]) == 2
    # Importing d2lite switched Jupyter's figures to SVG, sharp at any zoom.
    figures = [out["data"] for c in nb.cells for out in c.outputs
               if any(k.startswith("image/") for k in out.get("data", {}))]
    assert figures and all(set(d) == {"text/plain", "image/svg+xml"} for d in figures)


def test_show_trace_1d_and_2d_draw_the_path():
    ax = d2lite.show_trace_1d(lambda x: x ** 2, [10, 6, 3.6])
    path = ax.lines[1]
    onp.testing.assert_allclose(path.get_xdata(), [10, 6, 3.6])
    onp.testing.assert_allclose(path.get_ydata(), [100, 36, 12.96])
    lo, hi = ax.get_xlim()
    assert lo < -10 and hi > 10                          # the whole path is visible
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("w", "J(w)")   # the book's notation
    ax = d2lite.show_trace_2d(lambda a, b: a ** 2 + 2 * b ** 2, [(-5, -2), (-1, -0.5), (0, 0)])
    onp.testing.assert_allclose(ax.lines[-1].get_xdata(), [-5, -1, 0])
    assert ax.collections, "contour lines are drawn"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("w1", "w2")
    plt.close("all")


def test_plot_decision_boundary_shades_the_predicted_classes():
    X = onp.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=onp.float32)
    y = onp.array([0, 0, 0, 1])
    calls = []

    def predict(grid):
        calls.append(grid)
        return (grid.sum(axis=1) > 1.5).astype(onp.float32)   # scores in [0, 1]

    ax = d2lite.plot_decision_boundary(predict, X, y, resolution=50, title="AND")
    grid = calls[0]
    assert grid.shape == (2500, 2) and grid.dtype == onp.float32
    assert grid.min() == pytest.approx(-0.5) and grid.max() == pytest.approx(1.5)
    assert ax.get_title() == "AND" and len(ax.collections) >= 2   # regions + points
    assert ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2" and ax.get_legend() is None
    ax = d2lite.plot_decision_boundary(predict, X, y, resolution=20, legend=True)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        d2lite.plot_decision_boundary(predict, onp.zeros((4, 3)), y)
    plt.close("all")


def _circles(ax):
    from matplotlib.patches import Circle
    return [p for p in ax.patches if isinstance(p, Circle)]


def test_draw_network_elides_large_layers_with_dots():
    ax = d2lite.draw_network(
        [784, 10], unit_labels=[lambda j: f"x{j + 1}", lambda k: f"y{k}"],
        layer_names=["784 inputs", "10 outputs"], activations=[None, "softmax"])
    # max_shown=6: five units and a row of dots per layer
    assert len(_circles(ax)) == 5 + 5
    assert len([line for line in ax.lines if line.get_gid() == "dots"]) == 2
    edges = [c for c in ax.collections if c.get_gid() == "weights0"]
    assert len(edges) == 1 and len(edges[0].get_segments()) == 5 * 5
    texts = [t.get_text() for t in ax.texts]
    for label in ["x1", "x2", "x3", "x783", "x784", "y0", "y1", "y2", "y8", "y9",
                  "softmax", "784 inputs", "10 outputs", r"$W$: $784 \times 10$"]:
        assert texts.count(label) == 1, label
    assert "x4" not in texts and "y3" not in texts
    # every edge runs from the right of an input unit to the left of an output unit
    starts = {round(s[0][0], 6) for s in edges[0].get_segments()}
    ends = {round(s[1][0], 6) for s in edges[0].get_segments()}
    assert len(starts) == 1 and len(ends) == 1 and starts.pop() < ends.pop()


def test_draw_network_small_layers_and_default_weight_names():
    ax = d2lite.draw_network([2, 3, 1])
    assert len(_circles(ax)) == 2 + 3 + 1
    assert not [line for line in ax.lines if line.get_gid() == "dots"]
    segments = {c.get_gid(): len(c.get_segments()) for c in ax.collections}
    assert segments == {"weights0": 2 * 3, "weights1": 3 * 1}
    assert [t.get_text() for t in ax.texts] == [r"$W^{1}$: $2 \times 3$", r"$W^{2}$: $3 \times 1$"]
    with pytest.raises(ValueError, match="two layers"):
        d2lite.draw_network([5])


def test_plot_history_two_panels_and_a_target_line():
    history = {"train_loss": [0.6, 0.4, 0.3], "train_acc": [0.88, 0.91, 0.92],
               "valid_acc": [0.90, 0.92, 0.93]}
    ax_loss, ax_acc = d2lite.plot_history(history, target=0.9252, acc_ylim=(0.85, 0.95))
    assert ax_loss.figure is ax_acc.figure
    assert _data(ax_loss.lines[0]) == ([1, 2, 3], [0.6, 0.4, 0.3])
    assert (ax_loss.get_xlabel(), ax_loss.get_ylabel()) == ("epoch", "loss")
    assert (ax_acc.get_xlabel(), ax_acc.get_ylabel()) == ("epoch", "accuracy")
    assert [_data(line)[1] for line in ax_acc.lines[:2]] == [[0.88, 0.91, 0.92], [0.9, 0.92, 0.93]]
    target = ax_acc.lines[2]
    assert list(target.get_ydata()) == [0.9252, 0.9252]
    assert [t.get_text() for t in ax_acc.get_legend().get_texts()] == [
        "train acc", "valid acc", "target 92.52%"]
    assert ax_acc.get_ylim() == (0.85, 0.95)


def test_plot_history_fits_the_accuracy_axis_and_names_the_target():
    history = {"train_loss": [0.5, 0.4], "test_acc": [0.91, 0.93]}
    _, ax_acc = d2lite.plot_history(history, target=0.92, target_label="curriculum")
    lo, hi = ax_acc.get_ylim()
    assert 0.85 < lo < 0.91 and 0.93 < hi < 0.95       # not squashed onto [0, 1]
    assert [t.get_text() for t in ax_acc.get_legend().get_texts()] == ["test acc", "curriculum"]


def test_plot_history_needs_loss_and_accuracy():
    with pytest.raises(ValueError, match="train_loss"):
        d2lite.plot_history({"train_loss": [1.0]})


def test_plot_decision_boundary_three_classes_from_scores():
    X = onp.array([[0, 0], [4, 0], [0, 4]], dtype=onp.float32)
    y = onp.array([0, 1, 2])

    def predict(grid):      # scores (m, 3): the nearest of the three points wins
        return -((grid[:, None, :] - X[None]) ** 2).sum(axis=2)

    ax = d2lite.plot_decision_boundary(predict, X, y, resolution=30, legend=True)
    regions = ax.collections[0]
    assert regions.get_array().tolist() == [0, 1, 2]                 # three shaded regions
    ax.figure.canvas.draw()                                          # colours the points
    colours = {tuple(c) for c in ax.collections[-1].get_facecolors()[:, :3].round(3)}
    assert len(colours) == 3                                        # one colour per class
    tab10 = plt.get_cmap("tab10").colors[:3]
    assert colours == {tuple(onp.round(c, 3)) for c in tab10}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1", "class 2"]


def test_plot_history_draws_the_validation_loss_too():
    history = {"train_loss": [0.6, 0.4], "train_acc": [0.8, 0.9],
               "valid_acc": [0.85, 0.88], "valid_loss": [0.5, 0.45]}
    ax_loss, _ = d2lite.plot_history(history)
    assert [_data(line)[1] for line in ax_loss.lines] == [[0.6, 0.4], [0.5, 0.45]]
    assert [t.get_text() for t in ax_loss.get_legend().get_texts()] == ["train loss", "valid loss"]
