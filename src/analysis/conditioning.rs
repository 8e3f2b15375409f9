//! STUB (replaced by the approach3 branch at merge).
#![allow(missing_docs)]
use crate::fitters::{FitError, SurfaceData};
use nalgebra::{DMatrix, Matrix2, Matrix5, RealField, Vector5};
pub fn rss_gradient<T: RealField>(_data: &SurfaceData<T>, _p: &[T; 5]) -> Vector5<T> {
    Vector5::zeros()
}
pub fn rss_hessian<T: RealField>(_data: &SurfaceData<T>, _p: &[T; 5]) -> Matrix5<T> {
    Matrix5::identity()
}
pub fn projected_hessian<T: RealField>(
    _data: &SurfaceData<T>,
    _alpha: &T,
    _beta: &T,
) -> Result<Matrix2<T>, FitError> {
    Ok(Matrix2::identity())
}
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum<T> {
    pub eigenvalues: Vec<T>,
    pub eigenvectors: Vec<Vec<T>>,
    pub condition: T,
}
pub fn spectrum<T: RealField>(h: &DMatrix<T>) -> Spectrum<T> {
    let n = h.nrows();
    Spectrum {
        eigenvalues: vec![T::one(); n],
        eigenvectors: vec![vec![T::one(); n]; n],
        condition: T::one(),
    }
}
