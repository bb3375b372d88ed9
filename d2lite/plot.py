"""Plotting helpers: quick line plots, live training curves and image grids."""
import matplotlib.pyplot as plt
import numpy as onp


def use_svg_display():
    """Show figures in Jupyter as SVG, sharp at any zoom (a no-op outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
        set_matplotlib_formats("svg")


use_svg_display()   # every chapter imports d2lite, so every chapter's figures are SVG


def use_cjk_font():
    """Let figures show Chinese: Noto Sans CJK (pip package ``noto-cjk-sans-otc``)
    becomes the fallback for glyphs matplotlib's default font lacks.

    Latin text keeps the default font. Returns the CJK font's family name."""
    from matplotlib import font_manager
    import noto_cjk_sans_otc
    path = str(noto_cjk_sans_otc.FONT_PATH)
    font_manager.fontManager.addfont(path)
    family = font_manager.FontProperties(fname=path).get_name()
    if family not in plt.rcParams["font.family"]:
        plt.rcParams["font.family"] = [*plt.rcParams["font.family"], family]
    return family


use_cjk_font()   # the poetry chapter's figures label characters


def set_figsize(figsize=(3.5, 2.5)):
    """Set the default matplotlib figure size, in inches."""
    plt.rcParams["figure.figsize"] = figsize


def _as_numpy(x):
    """Turn an MXNet array (on any device), a list or a scalar into NumPy."""
    return x.asnumpy() if hasattr(x, "asnumpy") else onp.asarray(x)


def set_axes(axes, xlabel=None, ylabel=None, xlim=None, ylim=None,
             xscale="linear", yscale="linear", legend=None):
    """Label, scale and limit a matplotlib ``Axes`` in one call."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid(True)


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
         xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"),
         figsize=None, axes=None):
    """Plot one or several curves.

    ``X`` and ``Y`` may be arrays or lists of arrays (one per curve). With only
    ``X``, it is plotted against its index. Returns the ``Axes``.
    """
    def has_one_axis(v):
        return (hasattr(v, "ndim") and v.ndim == 1
                or isinstance(v, (list, tuple)) and not hasattr(v[0], "__len__"))

    if has_one_axis(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif has_one_axis(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    if axes is None:
        _, axes = plt.subplots(figsize=figsize)
    for x, y, fmt in zip(X, Y, fmts * len(Y)):
        x, y = _as_numpy(x), _as_numpy(y)
        if len(x):
            axes.plot(x, y, fmt)
        else:
            axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
    return axes


def _as_list(v):
    """A number, a 0-d or 1-d array, or a sequence -> a list of its values."""
    v = v.tolist() if hasattr(v, "tolist") else v
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _ipython_display():
    """Return IPython's ``display`` when running inside a kernel, else None."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    return display if get_ipython() is not None else None


class Animator:
    """Draw curves that grow while a model trains.

    In Jupyter the figure updates in place after every :meth:`add`. When the
    notebook is executed headless (the book build, nbval) the stored output is
    the same single figure in its final state, not one figure per update.

    Examples
    --------
    >>> animator = Animator(xlabel="epoch", legend=["train loss", "test acc"])
    >>> for epoch in range(1, 4):
    ...     animator.add(epoch, (1 / epoch, 0.5 + 0.1 * epoch))
    """

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
                 xscale="linear", yscale="linear",
                 fmts=("-", "m--", "g-.", "r:"), figsize=(3.5, 2.5)):
        self.fig, self.axes = plt.subplots(figsize=figsize)
        # We show the figure ourselves; closing it stops Jupyter's inline
        # backend from printing a second copy when the cell ends.
        plt.close(self.fig)
        self.config = dict(xlabel=xlabel, ylabel=ylabel, xlim=xlim, ylim=ylim,
                           xscale=xscale, yscale=yscale, legend=legend)
        self.fmts = fmts
        self.X, self.Y = None, None
        self._handle = None

    def add(self, x, y):
        """Append one point to each curve: ``y`` is a number or one per curve.

        A value of ``None`` skips that curve this time (for curves measured
        less often than others).
        """
        y = _as_list(y)
        n = len(y)
        x = _as_list(x)
        if len(x) == 1:
            x = x * n
        if self.X is None:
            self.X = [[] for _ in range(n)]
            self.Y = [[] for _ in range(n)]
        if len(y) != len(self.Y):
            raise ValueError(f"this Animator draws {len(self.Y)} curves, got {len(y)} values")
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(float(a))
                self.Y[i].append(float(b))
        self.axes.cla()
        for xs, ys, fmt in zip(self.X, self.Y, self.fmts * n):
            self.axes.plot(xs, ys, fmt)
        set_axes(self.axes, **self.config)
        self._show()

    def _show(self):
        display = _ipython_display()
        if display is None:
            return
        if self._handle is None:
            self._handle = display(self.fig, display_id=True)
        else:
            self._handle.update(self.fig)


def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5, cmap="gray",
                **imshow_kwargs):
    """Show a grid of images (2-D, or channels first/last) with optional titles.

    Each image is scaled to its own range unless ``imshow_kwargs`` (passed
    to ``imshow``) fix one, e.g. ``vmin=-1, vmax=1``. Returns the ``Axes``.
    """
    imgs = list(imgs)
    if len(imgs) > num_rows * num_cols:
        raise ValueError(f"{len(imgs)} images do not fit a {num_rows}x{num_cols} grid")
    figsize = (num_cols * scale, num_rows * scale)
    _, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    axes = axes.flatten()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= len(imgs):
            continue
        img = _as_numpy(imgs[i])
        if img.ndim == 3 and img.shape[0] in (1, 3):   # channels first
            img = img.transpose(1, 2, 0)
        if img.ndim == 3 and img.shape[2] == 1:
            img = img[:, :, 0]
        ax.imshow(img, cmap=cmap, **imshow_kwargs)
        if titles is not None and i < len(titles):
            ax.set_title(str(titles[i]))
    return axes


def show_trace_1d(f, trace, xlim=None, axes=None, figsize=(3.5, 2.5)):
    """Plot a loss ``J(w)`` of one parameter and the points gradient descent visited.

    ``f`` maps a NumPy array of ``w`` values to losses; ``trace`` lists the
    successive ``w``.
    """
    trace = onp.asarray(trace, dtype=float)
    if xlim is None:
        reach = max(onp.abs(trace).max(), 1.0) * 1.1
        xlim = (-reach, reach)
    xs = onp.linspace(*xlim, 200)
    if axes is None:
        _, axes = plt.subplots(figsize=figsize)
    axes.plot(xs, f(xs), "-")
    axes.plot(trace, f(trace), "-o", color="tab:orange", markersize=4)
    set_axes(axes, "w", "J(w)", xlim=xlim)
    return axes


def show_trace_2d(f, trace, xlim=None, ylim=None, axes=None, figsize=(3.5, 3.0)):
    """Draw the contour lines of a loss ``f(w1, w2)`` and the path gradient descent took.

    ``trace`` is a sequence of ``(w1, w2)`` points; ``f`` takes two NumPy
    arrays of equal shape.
    """
    trace = onp.asarray(trace, dtype=float)
    def span(v):
        lo, hi = v.min(), v.max()
        pad = max(hi - lo, 1.0) * 0.2
        return lo - pad, hi + pad
    xlim = xlim or span(trace[:, 0])
    ylim = ylim or span(trace[:, 1])
    x1, x2 = onp.meshgrid(onp.linspace(*xlim, 200), onp.linspace(*ylim, 200))
    if axes is None:
        _, axes = plt.subplots(figsize=figsize)
    axes.contour(x1, x2, f(x1, x2), levels=20, colors="#1f77b4", linewidths=0.7)
    axes.plot(trace[:, 0], trace[:, 1], "-o", color="#ff7f0e", markersize=3)
    axes.set_xlabel("w1")
    axes.set_ylabel("w2")
    return axes


def plot_decision_boundary(predict, X, y, resolution=200, padding=0.5, axes=None,
                           figsize=(3.0, 3.0), title=None, alpha=0.45, legend=False,
                           xlabel="x1", ylabel="x2", cmap=None):
    """Shade the regions a 2-D classifier assigns to each class, with the data on top.

    ``predict`` maps an ``(m, 2)`` NumPy float32 array to ``m`` class labels,
    to ``m`` scores (rounded at 0.5 for two classes) or to ``(m, classes)``
    scores (the largest wins). ``X`` is ``(n, 2)`` and ``y`` holds the ``n``
    true labels. Two classes are blue and red; more get distinct colours
    (``cmap`` to choose others). ``legend=True`` names them.
    """
    X, y = _as_numpy(X), _as_numpy(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D inputs of shape (n, 2), got {X.shape}")
    (x_lo, y_lo), (x_hi, y_hi) = X.min(0) - padding, X.max(0) + padding
    g1, g2 = onp.meshgrid(onp.linspace(x_lo, x_hi, resolution),
                          onp.linspace(y_lo, y_hi, resolution))
    grid = onp.stack([g1.ravel(), g2.ravel()], axis=1).astype(onp.float32)
    labels = _as_numpy(predict(grid))
    labels = labels.argmax(axis=1) if labels.ndim == 2 and labels.shape[1] > 1 \
        else labels.reshape(-1)
    if not onp.issubdtype(labels.dtype, onp.integer):
        labels = (labels >= 0.5).astype(int) if onp.all((labels >= 0) & (labels <= 1)) \
            else onp.rint(labels).astype(int)
    if axes is None:
        _, axes = plt.subplots(figsize=figsize)
    classes = onp.unique(onp.concatenate([labels, y.astype(int)]))
    lo, hi = classes.min(), max(classes.max(), classes.min() + 1)
    if cmap is None and hi - lo > 1:  # one distinct colour per class
        from matplotlib.colors import ListedColormap
        cmap = ListedColormap(plt.get_cmap("tab10").colors[:hi - lo + 1])
    cmap = plt.get_cmap(cmap or "coolwarm")
    axes.contourf(g1, g2, labels.reshape(g1.shape), levels=onp.arange(lo, hi + 2) - 0.5,
                  cmap=cmap, vmin=lo, vmax=hi, alpha=alpha)
    axes.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, edgecolors="k", s=40, vmin=lo, vmax=hi)
    if legend:
        axes.legend(handles=[
            plt.Line2D([], [], marker="o", ls="", mec="k", mfc=cmap((c - lo) / (hi - lo)),
                       label=f"class {c}") for c in onp.unique(y.astype(int))],
            loc="best", fontsize=8)
    axes.set_xlim(x_lo, x_hi)
    axes.set_ylim(y_lo, y_hi)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if title:
        axes.set_title(title)
    return axes


def draw_network(layer_sizes, unit_labels=None, layer_names=None, weight_names=None,
                 activations=None, max_shown=6, axes=None, figsize=(6, 4)):
    """Draw a fully connected network: one column of units per layer, input first.

    ``layer_sizes`` lists the number of units per layer, e.g. ``(784, 10)``. A
    layer with more than ``max_shown`` units shows its first and last few, with
    dots for the rest. Optional, one entry per layer (``None`` to skip one):
    ``unit_labels``, a function of the unit's index (from 0) that returns its
    label; ``layer_names``, a caption under the column; ``activations``, a
    name drawn in a box after the layer's units (``activations[0]`` is
    unused). ``weight_names`` has one entry per pair of adjacent layers; by
    default ``W`` with its shape (``W^l`` with several). Returns the ``Axes``.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Circle, FancyBboxPatch

    num = len(layer_sizes)
    if num < 2 or min(layer_sizes) < 1:
        raise ValueError(f"draw_network needs at least two layers of units, got {layer_sizes}")
    unit_labels = unit_labels or [None] * num
    layer_names = layer_names or [None] * num
    activations = activations or [None] * num
    if weight_names is None:
        weight_names = [
            rf"$W{'' if num == 2 else '^{%d}' % (l + 1)}$: ${layer_sizes[l]} \times {layer_sizes[l + 1]}$"
            for l in range(num - 1)]
    if axes is None:
        _, axes = plt.subplots(figsize=figsize)
    radius, gap, box_w = 0.28, 4.0, 0.5
    slots = min(max(layer_sizes), max_shown)
    top = (slots - 1) / 2

    def shown_units(n):
        """(unit index or None for the dots, y position) for each drawn slot."""
        if n <= max_shown:
            idx = list(range(n))
        else:
            head = max_shown // 2
            idx = list(range(head)) + [None] + list(range(n - (max_shown - 1 - head), n))
        first = (len(idx) - 1) / 2
        return [(i, first - s) for s, i in enumerate(idx)]

    columns = []
    for l, n in enumerate(layer_sizes):
        x = l * gap
        units = shown_units(n)
        ys = [y for i, y in units if i is not None]
        for i, y in units:
            if i is None:
                axes.plot([x] * 3, [y - 0.22, y, y + 0.22], "o", color="0.3", markersize=2.5,
                          gid="dots")
            else:
                axes.add_patch(Circle((x, y), radius, facecolor="#dbe9f6", edgecolor="#1f4e79",
                                      linewidth=1.2, zorder=3))
        right = x + radius
        if l > 0 and activations[l]:
            lo, hi = min(ys) - radius, max(ys) + radius
            axes.add_patch(FancyBboxPatch((x + 0.6, lo), box_w, hi - lo,
                                          boxstyle="round,pad=0.05", facecolor="#fde9d9",
                                          edgecolor="#c0504d", linewidth=1.2, zorder=3))
            axes.text(x + 0.6 + box_w / 2, (lo + hi) / 2, activations[l], rotation=90,
                      ha="center", va="center", fontsize=10, zorder=4)
            axes.add_collection(LineCollection(
                [[(x + radius, y), (x + 0.6, y)] for y in ys], colors="0.3", linewidths=0.8))
            right = x + 0.6 + box_w
        if unit_labels[l]:
            for i, y in units:
                if i is None:
                    continue
                if l == 0:
                    axes.text(x - radius - 0.15, y, unit_labels[l](i), ha="right", va="center")
                elif l == num - 1:
                    axes.text(right + 0.15, y, unit_labels[l](i), ha="left", va="center")
                else:
                    axes.text(x, y + radius + 0.08, unit_labels[l](i), ha="center",
                              va="bottom", fontsize=8)
        if layer_names[l]:
            axes.text(x, -top - radius - 0.45, layer_names[l], ha="center", va="top")
        columns.append((x, right, ys))

    for l in range(num - 1):
        (_, start, ys_a), (x_b, _, ys_b) = columns[l], columns[l + 1]
        edges = [[(start, ya), (x_b - radius, yb)] for ya in ys_a for yb in ys_b]
        axes.add_collection(LineCollection(edges, colors="#1f4e79", linewidths=0.6, alpha=0.6,
                                           gid=f"weights{l}"))
        if weight_names[l]:
            axes.text((start + x_b - radius) / 2, top + radius + 0.25, weight_names[l],
                      ha="center", va="bottom")

    axes.set_xlim(-1.6, columns[-1][1] + 1.4)
    axes.set_ylim(-top - radius - 1.3, top + radius + 0.9)
    axes.set_aspect("equal")
    axes.axis("off")
    return axes


def plot_history(history, target=None, target_label=None, acc_ylim=None, figsize=(7.0, 2.6)):
    """Draw what :func:`~d2lite.train` returns: the loss and the accuracies, per epoch.

    The left panel shows every ``*_loss`` curve (train, and valid or test
    when :func:`~d2lite.train` measured them); the right one every ``*_acc``
    curve on its own scale, set by ``acc_ylim`` or fitted to the data. ``target`` draws a dashed horizontal line at an accuracy to
    beat, labelled ``target_label`` (default: the value as a percentage).
    Returns the two ``Axes``.
    """
    acc_keys = [key for key in history if key.endswith("_acc")]
    if "train_loss" not in history or not acc_keys:
        raise ValueError(f"need train_loss and at least one *_acc curve, got {list(history)}")
    epochs = onp.arange(1, len(history["train_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=figsize)
    loss_keys = ["train_loss"] + [k for k in history if k.endswith("_loss") and k != "train_loss"]
    for key, fmt in zip(loss_keys, ("-", "c--", "y-.")):
        ax_loss.plot(epochs, history[key], fmt, label=key.replace("_", " "))
    set_axes(ax_loss, "epoch", "loss", xlim=(1, epochs[-1]))
    if len(loss_keys) > 1:
        ax_loss.legend(fontsize="small")
    for key, fmt in zip(acc_keys, ("m--", "g-.", "r:", "b-")):
        ax_acc.plot(epochs, history[key], fmt, label=key.replace("_", " "))
    if target is not None:
        ax_acc.axhline(target, color="black", linestyle=":", linewidth=1,
                       label=target_label or f"target {target:.2%}")
    set_axes(ax_acc, "epoch", "accuracy", xlim=(1, epochs[-1]), ylim=acc_ylim)
    ax_acc.legend(fontsize="small")
    fig.tight_layout()
    return ax_loss, ax_acc
