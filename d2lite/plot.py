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


def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5, cmap="gray"):
    """Show a grid of images (2-D, or channels first/last) with optional titles.

    Returns the array of ``Axes``.
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
        ax.imshow(img, cmap=cmap)
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
                           xlabel="x1", ylabel="x2"):
    """Shade the regions a 2-D classifier assigns to each class, with the data on top.

    ``predict`` maps an ``(m, 2)`` NumPy float32 array to ``m`` class labels
    (or to scores, which are rounded at 0.5 for two classes). ``X`` is
    ``(n, 2)`` and ``y`` holds the ``n`` true labels. Colours run from blue
    (lowest class) to red (highest); ``legend=True`` names them.
    """
    X, y = _as_numpy(X), _as_numpy(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D inputs of shape (n, 2), got {X.shape}")
    (x_lo, y_lo), (x_hi, y_hi) = X.min(0) - padding, X.max(0) + padding
    g1, g2 = onp.meshgrid(onp.linspace(x_lo, x_hi, resolution),
                          onp.linspace(y_lo, y_hi, resolution))
    grid = onp.stack([g1.ravel(), g2.ravel()], axis=1).astype(onp.float32)
    labels = _as_numpy(predict(grid)).reshape(-1)
    if not onp.issubdtype(labels.dtype, onp.integer):
        labels = (labels >= 0.5).astype(int) if onp.all((labels >= 0) & (labels <= 1)) \
            else onp.rint(labels).astype(int)
    if axes is None:
        _, axes = plt.subplots(figsize=figsize)
    classes = onp.unique(onp.concatenate([labels, y.astype(int)]))
    lo, hi = classes.min(), max(classes.max(), classes.min() + 1)
    axes.contourf(g1, g2, labels.reshape(g1.shape), levels=onp.arange(lo, hi + 2) - 0.5,
                  cmap="coolwarm", vmin=lo, vmax=hi, alpha=alpha)
    axes.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=40, vmin=lo, vmax=hi)
    if legend:
        cmap = plt.get_cmap("coolwarm")
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
