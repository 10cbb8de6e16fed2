// The network's maths in the browser: activations g, g′ and a forward pass, used for the
// decision boundary and for g′(z) in the phase panel. Weights are [n_out, n_in], row-major.

export const ACTIVATIONS = {
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: Math.tanh,
  relu: (z) => (z > 0 ? z : 0),
  linear: (z) => z,
};

/** g′(z) given z and a = g(z): σ′ = a(1 − a), tanh′ = 1 − a², relu′ = [z > 0], linear′ = 1. */
export function derivative(name, z, a) {
  if (name === "sigmoid") return a * (1 - a);
  if (name === "tanh") return 1 - a * a;
  if (name === "relu") return z > 0 ? 1 : 0;
  return 1;
}

/** Forward many points at once: x is Float32Array [n·n_in]; returns the last layer's a. */
export function forwardBatch(x, n, sizes, weights, biases, hidden, output) {
  let a = x;
  for (let l = 0; l < sizes.length - 1; l++) {
    const nIn = sizes[l], nOut = sizes[l + 1];
    const W = weights[l], b = biases[l];
    const out = new Float32Array(n * nOut);
    const last = l === sizes.length - 2;
    const g = ACTIVATIONS[last ? (output === "softmax" ? "linear" : output) : hidden];
    for (let p = 0; p < n; p++) {
      for (let i = 0; i < nOut; i++) {
        let z = b[i];
        for (let j = 0; j < nIn; j++) z += W[i * nIn + j] * a[p * nIn + j];
        out[p * nOut + i] = g(z);
      }
      if (last && output === "softmax") softmaxRow(out, p * nOut, nOut);
    }
    a = out;
  }
  return a;
}

function softmaxRow(v, start, n) {
  let max = -Infinity, sum = 0;
  for (let k = 0; k < n; k++) max = Math.max(max, v[start + k]);
  for (let k = 0; k < n; k++) { v[start + k] = Math.exp(v[start + k] - max); sum += v[start + k]; }
  for (let k = 0; k < n; k++) v[start + k] /= sum;
}
