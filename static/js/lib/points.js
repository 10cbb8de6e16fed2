// The data points under the decision boundary: from the server (hello's dataset.points_url:
// train and test); without it, the fixed XOR corners, or else the examples the frames have
// shown so far. Kept in store.points.

import { api } from "../session.js";

const XOR = { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] };

/** Ask the server for the board's points (one or two inputs only); `done` once they are in. */
export async function loadPoints(store, dataset, done) {
  if (store.session?.sizes[0] > 2) return;
  const id = store.session?.id;
  const got = dataset?.points_url ? await api.datasetPoints(dataset.points_url) : null;
  if (store.session?.id !== id) return;   // a newer board replaced this one meanwhile
  if (got) store.points = got;
  else if (dataset?.name === "xor") store.points = XOR;
  done();
}

/** Without the dataset endpoint, the plane shows the examples the frames have shown. */
export function collectPoint(store, frame) {
  if (store.session.sizes[0] > 2 || !frame.input || (store.points && !store.points.partial)) return;
  store.points ??= { inputs: [], targets: [], partial: true, seen: new Set() };
  const key = Array.from(frame.input).join(",");
  if (store.points.seen.has(key)) return;
  store.points.seen.add(key);
  store.points.inputs.push(Array.from(frame.input));
  store.points.targets.push(Array.from(frame.target || [0]));
}
