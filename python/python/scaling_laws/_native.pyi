"""Type stubs of the native layer (PyO3). Use the functions of ``scaling_laws``."""

from typing import Any, Dict, List, Optional, Protocol, Sequence, Tuple, Union, overload

import numpy as np

class _HasArray(Protocol):
    """Anything numpy converts to an array: a pandas Series, an xarray..."""

    def __array__(self) -> np.ndarray: ...


ArrayLike = Union[np.ndarray, Sequence[float], _HasArray]

class ScalingLawsError(Exception): ...
class InvalidInputError(ScalingLawsError): ...
class FitFailedError(ScalingLawsError): ...

class LossSurface:
    """L(N, D) = E + A/N**alpha + B/D**beta; compute-optimal split of C = 6ND."""

    def __init__(self, E: float, A: float, B: float, alpha: float, beta: float) -> None: ...
    @staticmethod
    def preset(name: str) -> "LossSurface":
        """chinchilla, symmetric, balanced, ratio_1.5, ratio_2, asymmetric, ratio_9."""
    @property
    def E(self) -> float: ...
    @property
    def A(self) -> float: ...
    @property
    def B(self) -> float: ...
    @property
    def alpha(self) -> float: ...
    @property
    def beta(self) -> float: ...
    @property
    def exponent_a(self) -> float:
        """a = beta/(alpha + beta): N* ∝ C**a."""
    @property
    def exponent_b(self) -> float:
        """b = alpha/(alpha + beta): D* ∝ C**b."""
    @property
    def a0(self) -> float:
        """log10 prefactor of N*(C)."""
    @property
    def b0(self) -> float:
        """log10 prefactor of D*(C)."""
    @overload
    def loss(self, n: float, d: float) -> float: ...
    @overload
    def loss(self, n: ArrayLike, d: ArrayLike) -> np.ndarray: ...
    @overload
    def n_opt(self, c: float) -> float: ...
    @overload
    def n_opt(self, c: ArrayLike) -> np.ndarray: ...
    @overload
    def d_opt(self, c: float) -> float: ...
    @overload
    def d_opt(self, c: ArrayLike) -> np.ndarray: ...
    @overload
    def loss_opt(self, c: float) -> float: ...
    @overload
    def loss_opt(self, c: ArrayLike) -> np.ndarray: ...
    def compute_for_loss(self, loss: float) -> float: ...

def vertex_shift(
    alpha: float, beta: float, width: float, points: int, offset: float = 0.0
) -> Dict[str, float]: ...
def vertex_shift_continuum_limit(alpha: float, beta: float, width: float) -> float: ...
def vertex_shift_small_width_coefficients(
    alpha: float, beta: float, points: Optional[int] = None
) -> Tuple[float, float]: ...
def predict_approach2_fit(
    surface: LossSurface,
    width: float,
    points: int = 15,
    budgets: Optional[ArrayLike] = None,
    drift: float = 0.0,
    scale: float = 1.0,
) -> Dict[str, Any]: ...
def allocation_cost(
    surface: LossSurface,
    budget: float,
    tokens: Optional[float] = None,
    token_error: Optional[float] = None,
) -> Dict[str, float]: ...
def simulate_isoflops(
    surface: LossSurface,
    width: float,
    points: int = 15,
    budgets: Optional[ArrayLike] = None,
    drift: float = 0.0,
    scale: float = 1.0,
) -> Dict[str, np.ndarray]: ...
def fit_approach2_points(
    N: ArrayLike, D: ArrayLike, loss: ArrayLike, budget: ArrayLike
) -> Dict[str, Any]: ...
def fit_surface(
    N: ArrayLike, D: ArrayLike, loss: ArrayLike, method: str = "vpnls", variant: Optional[str] = None
) -> Dict[str, Any]: ...
def fit_surfaces(
    datasets: List[Tuple[ArrayLike, ArrayLike, ArrayLike]],
    method: str = "vpnls",
    variant: Optional[str] = None,
) -> List[Any]: ...
def run_command(args: List[str]) -> str:
    """Run a scaling-laws command (arguments after the program name); returns its output."""
