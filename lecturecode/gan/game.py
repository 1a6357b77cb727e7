"""The simplest game, ``min_x max_y x y``: simultaneous and alternating gradient
descent-ascent, against plain gradient descent on one function."""


import torch


def descent_ascent(f, start, lr: float, steps: int, alternating=False):
    """Gradient descent on ``x`` and ascent on ``y`` for ``min_x max_y f(x, y)``.

    Simultaneous: both players step from the same point. Alternating: ``y``
    responds to the ``x`` that has just moved. Returns the ``(steps + 1, 2)``
    trajectory, in float64.
    """
    x, y = (
        torch.tensor(float(v), dtype=torch.float64, requires_grad=True)
        for v in start
    )
    path = [(x.item(), y.item())]
    for _ in range(steps):
        grad_x, grad_y = torch.autograd.grad(f(x, y), (x, y))
        x = (x - lr * grad_x).detach().requires_grad_()
        if alternating:  # y answers the x that has just moved
            (grad_y,) = torch.autograd.grad(f(x, y), y)
        y = (y + lr * grad_y).detach().requires_grad_()
        path.append((x.item(), y.item()))
    return torch.tensor(path, dtype=torch.float64)


def gradient_descent(f, start, lr: float, steps: int):
    """Plain gradient descent on both coordinates of ``f(x, y)``, for comparison:
    the ``(steps + 1, 2)`` trajectory."""
    point = torch.tensor([float(v) for v in start], dtype=torch.float64)
    path = [point]
    for _ in range(steps):
        point = point.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(f(*point), point)
        point = (point - lr * grad).detach()
        path.append(point)
    return torch.stack(path)
