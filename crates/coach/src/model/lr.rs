//! Multinomial (softmax) logistic regression on sparse rows, hand-written: the Rust ML
//! crates either lack sparse multinomial LR with sample weights or pull in BLAS and
//! large dependency trees for what is ~200 lines here.
//!
//! The objective is scikit-learn's (`LogisticRegression(solver="lbfgs")`):
//! `(1/S)·(Σᵢ sᵢ·(−log pᵢ,yᵢ) + ‖W‖²/(2C))` with `S = Σᵢ sᵢ` and an unpenalised
//! intercept, minimised with L-BFGS (Armijo backtracking; the objective is strictly
//! convex, so every step keeps `sᵀy > 0`), stopping when the largest gradient component
//! is below `gtol`.

use serde::{Deserialize, Serialize};

pub(crate) const K: usize = 3;

/// Sparse rows in compressed form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Csr {
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
    pub ncols: usize,
}

impl Csr {
    pub(crate) fn new(ncols: usize) -> Csr {
        Csr {
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
            ncols,
        }
    }

    pub(crate) fn push_row(&mut self, row: &[(u32, f32)]) {
        for &(j, v) in row {
            debug_assert!((j as usize) < self.ncols);
            self.indices.push(j);
            self.values.push(v);
        }
        self.indptr.push(self.indices.len());
    }

    pub(crate) fn nrows(&self) -> usize {
        self.indptr.len() - 1
    }

    #[inline]
    fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }
}

/// Solver settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SolverOptions {
    /// Inverse regularisation strength, as scikit-learn's `C`.
    pub c: f64,
    /// Stop when max |gradient| (of the 1/S-scaled objective) falls below this.
    pub gtol: f64,
    pub max_iter: u32,
    /// L-BFGS history length.
    pub memory: u32,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            c: 3.0,
            gtol: 1e-4,
            max_iter: 1000,
            memory: 10,
        }
    }
}

/// A fitted softmax classifier: weights stored feature-major (`w[j*3 + k]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Softmax {
    pub w: Vec<f32>,
    pub b: [f32; K],
}

/// What the solver did.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FitStats {
    pub iterations: u32,
    pub evaluations: u32,
    pub loss: f64,
    pub max_grad: f64,
}

impl Softmax {
    /// Class probabilities of one sparse row.
    #[inline]
    pub(crate) fn predict_proba(&self, row: &[(u32, f32)]) -> [f32; K] {
        let mut z = [0f32; K];
        z.copy_from_slice(&self.b);
        for &(j, v) in row {
            let w = &self.w[j as usize * K..j as usize * K + K];
            for k in 0..K {
                z[k] += v * w[k];
            }
        }
        softmax(z)
    }

    pub(crate) fn dim(&self) -> usize {
        self.w.len() / K
    }
}

#[inline]
fn softmax(z: [f32; K]) -> [f32; K] {
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e = z.map(|v| (v - m).exp());
    let s: f32 = e.iter().sum();
    e.map(|v| v / s)
}

/// Balanced class weights `n / (K · n_k)` (scikit-learn's `class_weight="balanced"`).
pub(crate) fn balanced_weights(y: &[u8]) -> Vec<f64> {
    let mut counts = [0usize; K];
    for &c in y {
        counts[c as usize] += 1;
    }
    let n = y.len() as f64;
    y.iter()
        .map(|&c| n / (K as f64 * counts[c as usize] as f64))
        .collect()
}

/// Objective and gradient at `theta = [w (d·K) | b (K)]`.
fn loss_grad(x: &Csr, y: &[u8], sw: &[f64], c: f64, theta: &[f64], grad: &mut [f64]) -> f64 {
    let d = x.ncols;
    let (w, b) = theta.split_at(d * K);
    grad.fill(0.0);
    let (gw, gb) = grad.split_at_mut(d * K);
    let mut f = 0.0;
    let mut s_total = 0.0;
    for i in 0..x.nrows() {
        let (idx, val) = x.row(i);
        let mut z = [b[0], b[1], b[2]];
        for (&j, &v) in idx.iter().zip(val) {
            let j = j as usize * K;
            let v = f64::from(v);
            z[0] += v * w[j];
            z[1] += v * w[j + 1];
            z[2] += v * w[j + 2];
        }
        let m = z[0].max(z[1]).max(z[2]);
        let e = z.map(|v| (v - m).exp());
        let se = e[0] + e[1] + e[2];
        let lse = m + se.ln();
        let yi = y[i] as usize;
        let si = sw[i];
        s_total += si;
        f += si * (lse - z[yi]);
        let mut r = e.map(|v| si * v / se);
        r[yi] -= si;
        for k in 0..K {
            gb[k] += r[k];
        }
        for (&j, &v) in idx.iter().zip(val) {
            let j = j as usize * K;
            let v = f64::from(v);
            gw[j] += r[0] * v;
            gw[j + 1] += r[1] * v;
            gw[j + 2] += r[2] * v;
        }
    }
    let inv_c = 1.0 / c;
    let mut reg = 0.0;
    for (g, &wv) in gw.iter_mut().zip(w) {
        reg += wv * wv;
        *g += inv_c * wv;
    }
    f += 0.5 * inv_c * reg;
    let scale = 1.0 / s_total;
    for g in grad.iter_mut() {
        *g *= scale;
    }
    f * scale
}

#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    // Four accumulators let the compiler vectorise without reassociation.
    let mut acc = [0.0f64; 4];
    let (ca, ra) = a.split_at(a.len() / 4 * 4);
    let (cb, rb) = b.split_at(ca.len());
    for (x, y) in ca.chunks_exact(4).zip(cb.chunks_exact(4)) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s = acc[0] + acc[1] + acc[2] + acc[3];
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

#[inline]
fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yv, &xv) in y.iter_mut().zip(x) {
        *yv += alpha * xv;
    }
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Fits the classifier. `y` holds classes `0..3`, `sw` the sample weights.
pub(crate) fn fit(x: &Csr, y: &[u8], sw: &[f64], opts: &SolverOptions) -> (Softmax, FitStats) {
    let n = x.ncols * K + K;
    let m = opts.memory.max(1) as usize;
    let mut theta = vec![0.0f64; n];
    let mut g = vec![0.0f64; n];
    let mut theta_new = vec![0.0f64; n];
    let mut g_new = vec![0.0f64; n];
    let mut dir = vec![0.0f64; n];
    let mut s_hist: Vec<Vec<f64>> = Vec::with_capacity(m);
    let mut y_hist: Vec<Vec<f64>> = Vec::with_capacity(m);
    let mut rho: Vec<f64> = Vec::with_capacity(m);
    let mut alpha = vec![0.0f64; m];
    let mut head = 0usize; // index of the oldest pair once the ring is full
    let mut stats = FitStats::default();

    let mut f = loss_grad(x, y, sw, opts.c, &theta, &mut g);
    stats.evaluations = 1;
    let mut small_decreases = 0;
    for it in 0..opts.max_iter {
        stats.iterations = it;
        if max_abs(&g) <= opts.gtol {
            break;
        }
        // Two-loop recursion: dir = −H·g.
        dir.copy_from_slice(&g);
        let len = s_hist.len();
        let order = |t: usize| (head + t) % len.max(1); // t = 0 oldest … len−1 newest
        for t in (0..len).rev() {
            let i = order(t);
            alpha[i] = rho[i] * dot(&s_hist[i], &dir);
            axpy(-alpha[i], &y_hist[i], &mut dir);
        }
        if len > 0 {
            let i = order(len - 1);
            let gamma = 1.0 / (rho[i] * dot(&y_hist[i], &y_hist[i]));
            dir.iter_mut().for_each(|v| *v *= gamma);
        }
        for t in 0..len {
            let i = order(t);
            let beta = rho[i] * dot(&y_hist[i], &dir);
            axpy(alpha[i] - beta, &s_hist[i], &mut dir);
        }
        dir.iter_mut().for_each(|v| *v = -*v);
        let mut gd = dot(&g, &dir);
        if gd >= 0.0 {
            // Not a descent direction (numerical trouble): restart from steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho.clear();
            head = 0;
            dir.iter_mut().zip(&g).for_each(|(d, &gv)| *d = -gv);
            gd = -dot(&g, &g);
        }
        let mut step = if s_hist.is_empty() {
            (1.0 / dot(&g, &g).sqrt()).min(1.0)
        } else {
            1.0
        };
        // Armijo backtracking with safeguarded quadratic interpolation.
        let mut f_new;
        let mut tries = 0;
        loop {
            for ((tn, &t), &d) in theta_new.iter_mut().zip(&theta).zip(&dir) {
                *tn = t + step * d;
            }
            f_new = loss_grad(x, y, sw, opts.c, &theta_new, &mut g_new);
            stats.evaluations += 1;
            tries += 1;
            if f_new <= f + 1e-4 * step * gd || tries >= 40 {
                break;
            }
            let q = -gd * step * step / (2.0 * (f_new - f - gd * step));
            step = if q.is_finite() {
                q.clamp(0.1 * step, 0.5 * step)
            } else {
                0.5 * step
            };
        }
        if f_new > f {
            break; // the line search failed: we are at numerical precision
        }
        // Update history with s = θ' − θ, y = g' − g (reusing the oldest buffers).
        let (mut sv, mut yv) = if s_hist.len() == m {
            (
                std::mem::take(&mut s_hist[head]),
                std::mem::take(&mut y_hist[head]),
            )
        } else {
            (vec![0.0; n], vec![0.0; n])
        };
        for i in 0..n {
            sv[i] = theta_new[i] - theta[i];
            yv[i] = g_new[i] - g[i];
        }
        let sy = dot(&sv, &yv);
        if sy > 1e-16 {
            if s_hist.len() == m {
                s_hist[head] = sv;
                y_hist[head] = yv;
                rho[head] = 1.0 / sy;
                head = (head + 1) % m;
            } else {
                s_hist.push(sv);
                y_hist.push(yv);
                rho.push(1.0 / sy);
            }
        } else if s_hist.len() == m {
            // Put the buffers back so the ring stays full.
            s_hist[head] = sv;
            y_hist[head] = yv;
        }
        std::mem::swap(&mut theta, &mut theta_new);
        std::mem::swap(&mut g, &mut g_new);
        let rel = (f - f_new) / f.abs().max(f_new.abs()).max(1.0);
        f = f_new;
        if rel <= 1e-12 {
            small_decreases += 1;
            if small_decreases >= 3 {
                break;
            }
        } else {
            small_decreases = 0;
        }
    }
    stats.loss = f;
    stats.max_grad = max_abs(&g);
    let d = x.ncols;
    let model = Softmax {
        w: theta[..d * K].iter().map(|&v| v as f32).collect(),
        b: [
            theta[d * K] as f32,
            theta[d * K + 1] as f32,
            theta[d * K + 2] as f32,
        ],
    };
    (model, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three separable clusters on features 0/1/2 with a shared noise feature 3.
    fn toy() -> (Csr, Vec<u8>) {
        let mut x = Csr::new(4);
        let mut y = Vec::new();
        for i in 0..30 {
            let c = (i % 3) as u8;
            x.push_row(&[(u32::from(c), 1.0), (3, 0.1 * (i % 5) as f32)]);
            y.push(c);
        }
        (x, y)
    }

    #[test]
    fn fits_separable_classes() {
        let (x, y) = toy();
        let sw = balanced_weights(&y);
        let (m, stats) = fit(&x, &y, &sw, &SolverOptions::default());
        assert!(stats.max_grad <= 1e-4, "{stats:?}");
        for c in 0..3u8 {
            let p = m.predict_proba(&[(u32::from(c), 1.0)]);
            let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            assert_eq!(best, c as usize, "{p:?}");
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, y) = toy();
        let sw = balanced_weights(&y);
        let n = x.ncols * K + K;
        let theta: Vec<f64> = (0..n).map(|i| ((i * 7 % 11) as f64 - 5.0) / 10.0).collect();
        let mut g = vec![0.0; n];
        loss_grad(&x, &y, &sw, 3.0, &theta, &mut g);
        let mut scratch = vec![0.0; n];
        for i in 0..n {
            let mut tp = theta.clone();
            tp[i] += 1e-6;
            let mut tm = theta.clone();
            tm[i] -= 1e-6;
            let fd = (loss_grad(&x, &y, &sw, 3.0, &tp, &mut scratch)
                - loss_grad(&x, &y, &sw, 3.0, &tm, &mut scratch))
                / 2e-6;
            assert!((fd - g[i]).abs() < 1e-6, "component {i}: {fd} vs {}", g[i]);
        }
    }

    #[test]
    fn balanced_weights_sum_to_n() {
        let y = [0u8, 0, 0, 1, 2, 2];
        let w = balanced_weights(&y);
        assert!((w.iter().sum::<f64>() - 6.0).abs() < 1e-12);
        assert!((w[3] - 2.0).abs() < 1e-12);
    }

    #[test]
    fn stronger_regularisation_shrinks_weights() {
        let (x, y) = toy();
        let sw = balanced_weights(&y);
        let norm = |c: f64| {
            let opts = SolverOptions {
                c,
                ..SolverOptions::default()
            };
            let (m, _) = fit(&x, &y, &sw, &opts);
            m.w.iter().map(|v| v * v).sum::<f32>()
        };
        assert!(norm(0.1) < norm(10.0));
    }
}
