use scaling_laws::analysis::*;
use scaling_laws::fitters::fit_approach2;
use scaling_laws::models::LossSurface;
use scaling_laws::sampling::*;

#[test]
fn sanity() {
    let s = LossSurface::<f64>::chinchilla();
    for (w, n) in [(16f64.log10(), 15usize), (0.05, 101), (2.5, 3), (0.05, 3), (1.0, 4)] {
        let grid = IsoflopGrid::new(w, n).unwrap();
        let sum = vertex_shift_sum(&0.34, &0.28, &grid, &0.0).unwrap();
        let cf = vertex_shift(&0.34, &0.28, &grid).unwrap();
        let pts = sample_isoflops(&s, &default_budgets(), &grid, &SamplingBias::none()).unwrap();
        let fit = fit_approach2(&pts).unwrap();
        let num = fit.n_law.intercept - s.a0();
        let sw = vertex_shift_small_width(&0.34, &0.28, Some(n)).unwrap();
        let co = vertex_shift_continuum(&0.34, &0.28, &w).unwrap();
        println!("W={w} n={n}: sum {sum:.15e} cf {cf:.15e} num {num:.15e} sw {:.15e} cont {co:.15e}", sw.two_term(&w));
        for o in [-0.5, 0.3] {
            let a = vertex_shift_sum(&0.34, &0.28, &grid, &o).unwrap();
            let b = vertex_shift_offset(&0.34, &0.28, &grid, &o).unwrap();
            println!("   o={o}: sum {a:.15e} cf {b:.15e}");
        }
    }
    let bias = SamplingBias::new(0.4, 1.5).unwrap();
    let grid = IsoflopGrid::new(1.0, 15).unwrap();
    let pts = sample_isoflops(&s, &default_budgets(), &grid, &bias).unwrap();
    let fit = fit_approach2(&pts).unwrap();
    let p = predict_approach2(&s, &default_budgets(), &grid, &bias).unwrap();
    println!("{:?}\n{:?}\n{:?}\n{:?}", fit.n_law, p.n_law, fit.d_law, p.d_law);
}
