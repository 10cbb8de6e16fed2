// Where every dial sits, in board units (one dial cell = 1 × 1), independent of pixels.
// Dial k of the board is parameter `tensors[t]` at flat index k − tensors[t].offset, in the
// order the server lists parameters (layers.0.weight, layers.0.bias, layers.1.weight, …).
// Grid groups: rows = receiving neuron i, columns = sending neuron j, biases in a column
// beside them. A wide first layer over an image input becomes receptive fields: neuron i's
// incoming weights laid out like the input image (h × w), its bias beside the tile.

import { layerTitle, neuronLabel, neuronNumber } from "../lib/names.js";
import { t } from "../lib/i18n.js";

const LABEL_W = 1.1;      // row labels left of a grid
const TITLE_H = 0.8;      // group title
const HEAD_H = 0.55;      // column headers
const BIAS_GAP = 0.45;    // space between the weights and the bias column
const GROUP_GAP = 1.4;
const TILE_GAP = 1.2;
const TILE_HEAD = 0.9;
// The room a label may take, board units (faces.js draws none larger): a row's beside its
// neuron, a column's over its dial down to the dial's face, a tile's over the tile and the
// gap above it.
const ROW_ROOM = { width: LABEL_W - 0.15, height: 1 };
const COL_ROOM = { width: 1, height: HEAD_H + 0.1 };

function receptiveShape(l, sizes, inputShape) {
  if (l !== 0 || !inputShape || inputShape.length !== 2) return null;
  const [h, w] = inputShape;
  return h * w === sizes[0] && sizes[0] >= 16 ? { h, w } : null;
}

function gridGroup(l, nIn, nOut, names) {
  const width = LABEL_W + nIn + BIAS_GAP + 1;
  const height = TITLE_H + HEAD_H + nOut;
  const dial = (i, j) => [LABEL_W + j + 0.5, TITLE_H + HEAD_H + i + 0.5];
  const bias = (i) => [LABEL_W + nIn + BIAS_GAP + 0.5, TITLE_H + HEAD_H + i + 0.5];
  const labels = [];
  if (nOut <= 40) {
    for (let i = 0; i < nOut; i++) labels.push({ x: LABEL_W - 0.15, y: TITLE_H + HEAD_H + i + 0.5, text: names.to(i), short: names.toShort(i), role: "row", room: ROW_ROOM });
  }
  if (nIn <= 40) {
    for (let j = 0; j < nIn; j++) labels.push({ x: LABEL_W + j + 0.5, y: TITLE_H + HEAD_H * 0.5, text: names.from(j), short: names.fromShort(j), role: "col", room: COL_ROOM });
  }
  labels.push({ x: LABEL_W + nIn + BIAS_GAP + 0.5, y: TITLE_H + HEAD_H * 0.5, text: t("board.bias"), role: "col", room: COL_ROOM });
  const neuron = (i) => ({ x: 0, y: TITLE_H + HEAD_H + i, width, height: 1 });
  return { width, height, dial, bias, labels, neuron, nOut, kind: "grid" };
}

function receptiveGroup(nOut, { h, w }, names, cols) {
  const tileW = w + BIAS_GAP + 1 + TILE_GAP, tileH = h + TILE_HEAD + TILE_GAP;
  const rows = Math.ceil(nOut / cols);
  const origin = (i) => [(i % cols) * tileW, TITLE_H + Math.floor(i / cols) * tileH + TILE_HEAD];
  const dial = (i, j) => {
    const [ox, oy] = origin(i);
    return [ox + (j % w) + 0.5, oy + Math.floor(j / w) + 0.5];
  };
  const bias = (i) => { const [ox, oy] = origin(i); return [ox + w + BIAS_GAP + 0.5, oy + 0.5]; };
  const labels = [];
  for (let i = 0; i < nOut; i++) {
    const [ox, oy] = origin(i);
    labels.push({ x: ox, y: oy - TILE_HEAD * 0.45, text: `→ ${names.to(i)}`, role: "tile", room: { width: w + BIAS_GAP + 1, height: TILE_HEAD + TILE_GAP }, above: oy });
  }
  const neuron = (i) => { const [ox, oy] = origin(i); return { x: ox, y: oy - TILE_HEAD, width: w + BIAS_GAP + 1, height: h + TILE_HEAD }; };
  return { width: cols * tileW - TILE_GAP, height: TITLE_H + rows * tileH - TILE_GAP, dial, bias, labels, neuron, nOut, kind: "receptive" };
}

/** Receptive fields in as many columns as make the tiles largest in the box (first group). */
function bestReceptive(nOut, rf, names, before, box) {
  let best = null, bestScale = -Infinity;
  for (let cols = 1; cols <= nOut; cols++) {
    const g = receptiveGroup(nOut, rf, names, cols);
    const extra = box ? box.width * 0.3 : 0;   // leave room for the narrow later layers
    const scale = box ? fitScale({ width: g.width, height: g.height }, { width: box.width - extra, height: box.height }) : -cols;
    if (scale > bestScale) { best = g; bestScale = scale; }
    if (!box && cols >= Math.ceil(Math.sqrt(nOut))) break;
  }
  return best;
}

function placeGroups(groups, vertical) {
  let x = 0, y = 0, width = 0, height = 0;
  for (const g of groups) {
    g.x = x; g.y = y;
    if (vertical) { y += g.height + GROUP_GAP; width = Math.max(width, g.width); height = y - GROUP_GAP; }
    else { x += g.width + GROUP_GAP; height = Math.max(height, g.height); width = x - GROUP_GAP; }
  }
  return { width, height };
}

/** Fit scale (px per board unit) of an arrangement in a box. */
export function fitScale(size, box) {
  return Math.min(box.width / size.width, box.height / size.height);
}

/**
 * parameters: [{name, shape, layer, kind}] in server order; sizes: [n_in, …, n_out];
 * box: {width, height} in px, used only to choose between a row and a column of groups.
 */
export function layoutBoard({ parameters, sizes, inputShape = null, classNames = [], box = null }) {
  const L = sizes.length - 1;
  const groups = [];
  for (let l = 0; l < L; l++) {
    const names = {
      from: (j) => neuronLabel(l, j, sizes, classNames, true),
      to: (i) => neuronLabel(l + 1, i, sizes, classNames, true),
      fromShort: (j) => neuronNumber(l, j, sizes, classNames),
      toShort: (i) => neuronNumber(l + 1, i, sizes, classNames),
    };
    const rf = receptiveShape(l, sizes, inputShape);
    const g = rf ? bestReceptive(sizes[l + 1], rf, names, groups, box) : gridGroup(l, sizes[l], sizes[l + 1], names);
    g.layer = l;
    g.title = t("board.layer_title", { n: l + 1, from: layerTitle(l, sizes), to: layerTitle(l + 1, sizes) });
    g.short = t("board.layer_short", { n: l + 1 });
    groups.push(g);
  }
  let size = placeGroups(groups, false);
  if (box) {
    const rowScale = fitScale(size, box);
    const colSize = placeGroups(groups, true);
    if (fitScale(colSize, box) > rowScale * 1.15) size = colSize;
    else size = placeGroups(groups, false);
  }
  centreGroups(groups, size);
  return assemble(parameters, groups, size);
}

function centreGroups(groups, size) {
  const vertical = groups.length > 1 && groups[1].y > 0;
  for (const g of groups) {
    if (vertical) g.x = (size.width - g.width) / 2;
    else g.y = (size.height - g.height) / 2;
  }
}

function assemble(parameters, groups, size) {
  const tensors = [];
  let count = 0;
  for (const p of parameters) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    tensors.push({ ...p, offset: count, count: n });
    count += n;
  }
  const x = new Float32Array(count), y = new Float32Array(count);
  const layer = new Uint8Array(count), tensorOf = new Uint16Array(count);
  tensors.forEach((t, ti) => {
    const g = groups[t.layer];
    const cols = t.kind === "weight" ? t.shape[1] : 1;
    for (let k = 0; k < t.count; k++) {
      const [dx, dy] = t.kind === "weight" ? g.dial(Math.floor(k / cols), k % cols) : g.bias(k);
      x[t.offset + k] = g.x + dx;
      y[t.offset + k] = g.y + dy;
      layer[t.offset + k] = t.layer;
      tensorOf[t.offset + k] = ti;
    }
  });
  const byName = new Map(tensors.map((t) => [t.name, t]));
  return {
    tensors, groups, count, x, y, layer, tensorOf, width: size.width, height: size.height,
    /** dial number of (name, index) or −1 */
    indexOf(name, index) {
      const t = byName.get(name);
      if (!t) return -1;
      const flat = t.kind === "weight" ? index[0] * t.shape[1] + index[1] : index[0];
      return flat >= 0 && flat < t.count ? t.offset + flat : -1;
    },
    /** (name, index) of dial k */
    paramOf(k) {
      const t = tensors[tensorOf[k]];
      const flat = k - t.offset;
      const index = t.kind === "weight" ? [Math.floor(flat / t.shape[1]), flat % t.shape[1]] : [flat];
      return { name: t.name, index, layer: t.layer, kind: t.kind };
    },
    /** Board box of neuron i of weight layer l: its row, or its receptive-field tile. */
    neuronBox(l, i) {
      const g = groups[l];
      if (!g || i < 0 || i >= g.nOut) return null;
      const b = g.neuron(i);
      return { x: g.x + b.x, y: g.y + b.y, width: b.width, height: b.height };
    },
    /** {layer, i} of the neuron whose row or tile holds board point (bx, by), or null */
    neuronAt(bx, by) {
      for (const g of groups) {
        for (let i = 0; i < g.nOut; i++) {
          const b = g.neuron(i);
          if (bx >= g.x + b.x && bx <= g.x + b.x + b.width && by >= g.y + b.y && by <= g.y + b.y + b.height) return { layer: g.layer, i };
        }
      }
      return null;
    },
    /** Weight layers with a dial centre in board box [x0, x1] × [y0, y1], in order. */
    layersIn(x0, y0, x1, y1) {
      const seen = new Set();
      for (let k = 0; k < count; k++) if (x[k] >= x0 && x[k] <= x1 && y[k] >= y0 && y[k] <= y1) seen.add(layer[k]);
      return [...seen].sort((a, b) => a - b);
    },
    /** dial under board point (bx, by), or −1 */
    hit(bx, by) {
      for (let k = 0; k < count; k++) {
        if (Math.abs(x[k] - bx) < 0.5 && Math.abs(y[k] - by) < 0.5) return k;
      }
      return -1;
    },
  };
}
