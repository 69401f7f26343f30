// The page of `python -m captioner serve`: give the model a picture, see its caption and why.
// Every number shown comes from the server's JSON API (/api/caption, /api/scene); this file
// only draws it. Step t of a caption reads <start> or word t - 1 and chooses word t; the last
// step chooses <end>. Row t of the gates, the attention and the likeliest words is step t.
"use strict";

const UNITS_SHOWN = 32; // hidden units drawn per gate, as in the notebooks' gate pictures
const UNIT_HEIGHT = 5; // pixels per unit in a gate's heatmap
const ATTENTION_OPACITY = 0.65; // as captioner.figures draws attention over a picture
const MAX_OBJECTS = 3;

const page = {
  info: null,
  source: null, // what was last captioned: {kind: "picture", blob} or {kind: "scene"}
  result: null,
  request: 0, // a newer request makes the answers of older ones stale
  shown: 0, // answers shown so far (the caption's data-shown, which tests wait on)
  errors: 0, // errors shown so far (the error line's data-shown)
  scene: {objects: [], seed: 0},
  choice: {shape: null, colour: null, size: null},
  drag: null, // while an object is dragged: {index, before}
  step: null, // the step whose word is hovered
  mode: "upload",
};

const $ = (id) => document.getElementById(id);

async function start() {
  page.info = await fetchJSON("/api/info");
  const model = page.info.model;
  $("model").textContent = `${model.source}: ${model.cell.toUpperCase()} decoder of ${model.hidden_size} ` +
    `units, ${model.context} context, ${model.vocabulary_size} words, ${model.picture_size}-pixel pictures`;
  const beam = $("beam");
  for (let width = 2; width <= page.info.max_beam; width++) {
    beam.add(new Option(`beam search, width ${width}`, String(width)));
  }
  beam.addEventListener("change", recaption);
  for (const tab of document.querySelectorAll("[role=tab]")) {
    tab.addEventListener("click", () => chooseMode(tab.dataset.mode));
  }
  $("file").addEventListener("change", (event) => {
    if (event.target.files.length) captionPicture(event.target.files[0]);
  });
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) captionPicture(event.dataTransfer.files[0]);
  });
  if (page.info.world) {
    buildThumbnails();
    buildPalette();
  } else {
    $("tab-test").hidden = $("tab-draw").hidden = true;
    $("status").textContent = "Give the model a photo: upload one or drop it on the page.";
  }
  clearStage();
}

async function fetchJSON(url, options) {
  const response = await fetch(url, options);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
  return answer;
}

function chooseMode(mode) {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.mode === mode));
  }
  for (const name of ["upload", "test", "draw"]) $(`mode-${name}`).hidden = name !== mode;
  page.mode = document.body.dataset.mode = mode;
  if (mode === "draw") {
    if (page.scene.objects.length) captionScene(); else clearStage();
  }
}

// ---- asking the server -------------------------------------------------------------------

function beamQuery() {
  return `?beam=${$("beam").value}`;
}

function captionPicture(blob) {
  page.source = {kind: "picture", blob};
  return ask("/api/caption" + beamQuery(), {method: "POST", body: blob});
}

function captionScene() {
  page.source = {kind: "scene"};
  const body = JSON.stringify(page.scene);
  return ask("/api/scene" + beamQuery(), {method: "POST", body, headers: {"Content-Type": "application/json"}});
}

function recaption() {
  if (page.source && page.source.kind === "picture") captionPicture(page.source.blob);
  else if (page.source && page.source.kind === "scene" && page.scene.objects.length) captionScene();
}

// Send a request; show its answer unless a newer request was sent meanwhile. Returns whether it
// succeeded (a refused scene is taken back by its caller).
async function ask(url, options) {
  const request = ++page.request;
  $("status").textContent = "captioning…";
  $("caption").dataset.state = "waiting";
  try {
    const result = await fetchJSON(url, options);
    if (request !== page.request) return true;
    showError(null);
    await show(result);
    return true;
  } catch (error) {
    if (request !== page.request) return false;
    showError(error.message);
    $("status").textContent = page.result ? "The last caption is still shown." : "Give the model a picture.";
    $("caption").dataset.state = page.result ? "done" : "empty";
    return false;
  }
}

function showError(message) {
  $("error").hidden = !message;
  $("error").textContent = message || "";
  if (message) $("error").dataset.shown = String(++page.errors);
}

// ---- the picture -------------------------------------------------------------------------

function clearStage() {
  const stage = $("stage");
  const context = stage.getContext("2d");
  context.fillStyle = "#8a8a8a";
  context.fillRect(0, 0, stage.width, stage.height);
  context.fillStyle = "#f4f4f4";
  context.font = "16px system-ui, sans-serif";
  context.textAlign = "center";
  const text = page.mode === "draw" ? "click to place an object" : "no picture yet";
  context.fillText(text, stage.width / 2, stage.height / 2);
  clearOverlay();
}

function drawPicture(dataUrl) {
  return new Promise((resolve) => {
    const image = new Image();
    image.onload = () => {
      const stage = $("stage");
      const context = stage.getContext("2d");
      context.imageSmoothingEnabled = image.width >= stage.width / 2; // small pictures: crisp pixels
      context.drawImage(image, 0, 0, stage.width, stage.height);
      resolve();
    };
    image.src = dataUrl;
  });
}

function clearOverlay() {
  const overlay = $("overlay");
  overlay.getContext("2d").clearRect(0, 0, overlay.width, overlay.height);
  overlay.dataset.step = "";
}

// The picture lit where step t looked: a grey map, white at the largest weight, laid over the
// picture; each weight sits at its cell's centre, blended linearly in between by the browser's
// bilinear scaling ("low" quality: the others blur the centres too).
function drawAttention(step) {
  clearOverlay();
  const rows = page.result && page.result.attention;
  if (!rows || step === null) return;
  const weights = rows[step];
  const grid = page.result.grid;
  const largest = Math.max(...weights, 1e-12);
  const cells = document.createElement("canvas");
  cells.width = cells.height = grid;
  const pixels = cells.getContext("2d").createImageData(grid, grid);
  weights.forEach((weight, cell) => {
    const level = Math.round(255 * weight / largest);
    pixels.data.set([level, level, level, Math.round(255 * ATTENTION_OPACITY)], 4 * cell);
  });
  cells.getContext("2d").putImageData(pixels, 0, 0);
  const overlay = $("overlay");
  const context = overlay.getContext("2d");
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = "low";
  context.drawImage(cells, 0, 0, overlay.width, overlay.height); // texel centres on the cells' centres
  overlay.dataset.step = String(step);
}

// ---- the caption -------------------------------------------------------------------------

async function show(result) {
  page.result = result;
  page.step = null;
  await drawPicture(result.picture);
  clearOverlay();
  const caption = $("caption");
  caption.replaceChildren();
  const chosen = [...result.words.map((word, t) => [word, result.probabilities[t]]),
    ["<end>", result.end_probability]];
  chosen.forEach(([word, probability], t) => {
    const chip = document.createElement("span");
    chip.className = t === result.words.length ? "word end" : "word";
    chip.dataset.step = String(t);
    chip.tabIndex = 0;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = word;
    const bar = document.createElement("span");
    bar.className = "bar";
    const fill = document.createElement("span");
    fill.style.width = `${(100 * probability).toFixed(1)}%`;
    bar.append(fill);
    const share = document.createElement("span");
    share.className = "probability";
    share.textContent = percent(probability);
    chip.append(text, bar, share);
    chip.addEventListener("mouseenter", () => showStep(t));
    chip.addEventListener("focus", () => showStep(t));
    caption.append(chip);
  });
  caption.dataset.state = "done";
  caption.dataset.shown = String(++page.shown);
  $("status").textContent = `log-probability of the caption: ${result.log_probability.toFixed(3)}` +
    (result.attention ? " · hover a word to see where the model looked" :
      " · this model reads the picture as one pooled vector: no attention to show");
  $("step-detail").textContent = "Hover a word: the words the model weighed at that step.";
  showAlternatives(result.alternatives);
  showExpected(result);
  drawGates();
}

function percent(probability) {
  return probability >= 0.995 ? `${(100 * probability).toFixed(1)}%` : `${(100 * probability).toFixed(0)}%`;
}

function showStep(step) {
  page.step = step;
  for (const chip of document.querySelectorAll("#caption .word")) {
    chip.classList.toggle("active", Number(chip.dataset.step) === step);
  }
  const result = page.result;
  const read = step === 0 ? "<start>" : result.words[step - 1];
  const choices = result.top_words[step].map(([word, p]) => `${word} ${percent(p)}`).join(", ");
  $("step-detail").textContent = `Step ${step}, reading “${read}”, weighed: ${choices}.`;
  drawAttention(step);
  drawGates();
}

function showAlternatives(alternatives) {
  $("alternatives-box").hidden = !alternatives.length;
  const list = $("alternatives");
  list.replaceChildren();
  for (const {caption, score} of alternatives) {
    const item = document.createElement("li");
    item.textContent = `${caption} `;
    const number = document.createElement("span");
    number.className = "score";
    number.textContent = `score ${score.toFixed(3)}`;
    item.append(number);
    list.append(item);
  }
}

function showExpected(result) {
  const line = $("expected");
  line.replaceChildren();
  if (!("expected" in result)) return;
  const verdict = document.createElement("strong");
  verdict.className = result.right ? "right" : "wrong";
  verdict.textContent = result.right ? "right" : "wrong";
  line.append(`The synthetic world calls this scene “${result.expected}”: the caption is `, verdict, ".");
}

// ---- the gates ---------------------------------------------------------------------------

function drawGates() {
  const result = page.result;
  const box = $("gates");
  box.replaceChildren();
  $("gates-box").hidden = false;
  const labels = [...result.words, "<end>"];
  for (const [name, rows] of Object.entries(result.gates)) {
    const style = colourStyle(name, rows);
    const figure = document.createElement("figure");
    const title = document.createElement("figcaption");
    title.textContent = `${style.title} (${style.low.toFixed(1)} … ${style.high.toFixed(1)})`;
    title.style.borderColor = style.line;
    figure.append(title, heatmap(rows, labels, style));
    box.append(figure);
  }
}

function colourStyle(name, rows) {
  const colours = page.info.gate_colours;
  let style = colours[name];
  const values = rows.flat();
  if (!style) style = colours[values.every((v) => v >= 0 && v <= 1) ? "sequential" : "diverging"];
  const reach = Math.max(1, ...values.map(Math.abs));
  return {...style, title: style === colours[name] ? style.title : name,
    low: style.diverging ? -reach : 0, high: style.diverging ? reach : 1};
}

function heatmap(rows, labels, style) {
  const units = Math.min(UNITS_SHOWN, rows[0].length);
  const column = Math.max(14, Math.floor(300 / rows.length));
  const labelSpace = 64;
  const canvas = document.createElement("canvas");
  canvas.width = rows.length * column + 40; // room for the last label, which leans to the right
  canvas.height = units * UNIT_HEIGHT + labelSpace;
  const context = canvas.getContext("2d");
  const stops = style.map;
  rows.forEach((row, t) => {
    for (let unit = 0; unit < units; unit++) {
      const share = (row[unit] - style.low) / (style.high - style.low);
      context.fillStyle = stops[Math.round(Math.min(1, Math.max(0, share)) * (stops.length - 1))];
      context.fillRect(t * column, unit * UNIT_HEIGHT, column, UNIT_HEIGHT);
    }
  });
  if (page.step !== null) {
    context.strokeStyle = "#111";
    context.lineWidth = 2;
    context.strokeRect(page.step * column + 1, 1, column - 2, units * UNIT_HEIGHT - 2);
  }
  context.fillStyle = "#333";
  context.font = "10px system-ui, sans-serif";
  labels.forEach((label, t) => {
    context.save();
    context.translate(t * column + column / 2 + 3, units * UNIT_HEIGHT + 4);
    context.rotate(Math.PI / 3);
    context.fillText(label, 0, 0);
    context.restore();
  });
  return canvas;
}

// ---- test pictures -----------------------------------------------------------------------

function buildThumbnails() {
  const box = $("thumbnails");
  for (let index = 0; index < page.info.test_pictures; index++) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "thumbnail";
    button.title = `test picture ${index}`;
    const image = document.createElement("img");
    image.src = `/api/test-pictures/${index}.png`;
    image.alt = `test picture ${index}`;
    button.append(image);
    button.addEventListener("click", async () => {
      const response = await fetch(image.src);
      captionPicture(await response.blob());
    });
    box.append(button);
  }
}

// ---- drawing a scene ---------------------------------------------------------------------

function buildPalette() {
  const world = page.info.world;
  const groups = [["shapes", "shape", world.shapes], ["colours", "colour", Object.keys(world.colours)],
    ["sizes", "size", Object.keys(world.sizes)]];
  for (const [box, kind, names] of groups) {
    page.choice[kind] = names[0];
    for (const name of names) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = name;
      button.dataset[kind] = name;
      button.setAttribute("aria-pressed", String(name === names[0]));
      if (kind === "colour") button.style.setProperty("--swatch", world.colours[name]);
      button.addEventListener("click", () => {
        page.choice[kind] = name;
        for (const other of $(box).children) other.setAttribute("aria-pressed", String(other === button));
      });
      $(box).append(button);
    }
  }
  const stage = $("stage");
  stage.addEventListener("pointerdown", pointerDown);
  stage.addEventListener("pointermove", pointerMove);
  stage.addEventListener("pointerup", pointerUp);
  $("undo").addEventListener("click", () => changeScene(page.scene.objects.slice(0, -1)));
  $("clear").addEventListener("click", () => changeScene([]));
  $("reseed").addEventListener("click", () => {
    page.scene.seed = Math.floor(Math.random() * 2 ** 31);
    if (page.scene.objects.length) captionScene();
  });
}

function pointAt(event) {
  const box = $("stage").getBoundingClientRect();
  const clamp = (value) => Math.min(1, Math.max(0, value));
  return [clamp((event.clientX - box.left) / box.width), clamp((event.clientY - box.top) / box.height)];
}

function objectAt([x, y]) {
  const sizes = page.info.world.sizes;
  return page.scene.objects.findIndex(({centre, size}) =>
    Math.hypot(centre[0] - x, centre[1] - y) <= sizes[size]);
}

function pointerDown(event) {
  if (page.mode !== "draw") return;
  const index = objectAt(pointAt(event));
  if (index >= 0) {
    page.drag = {index, before: structuredClone(page.scene.objects)};
    $("stage").setPointerCapture(event.pointerId);
  }
}

function pointerMove(event) {
  if (!page.drag) return;
  page.scene.objects[page.drag.index].centre = pointAt(event);
  markCentre(pointAt(event));
}

function pointerUp(event) {
  if (page.mode !== "draw") return;
  if (page.drag) {
    const {before} = page.drag;
    page.drag = null;
    sendScene(before);
    return;
  }
  if (page.scene.objects.length >= MAX_OBJECTS) {
    showError(`a scene holds at most ${MAX_OBJECTS} objects: undo, clear, or drag one to move it`);
    return;
  }
  const {shape, colour, size} = page.choice;
  changeScene([...page.scene.objects, {shape, colour, size, centre: pointAt(event)}]);
}

function changeScene(objects) {
  const before = page.scene.objects;
  page.scene.objects = objects;
  if (!objects.length) {
    page.source = null;
    page.request++;
    showError(null);
    clearStage();
    $("expected").replaceChildren();
    return;
  }
  sendScene(before);
}

// Caption the scene; a scene the server refuses is taken back, and its message shown.
async function sendScene(before) {
  if (!(await captionScene())) page.scene.objects = before;
}

function markCentre([x, y]) {
  clearOverlay();
  const overlay = $("overlay");
  const context = overlay.getContext("2d");
  context.strokeStyle = "#fff";
  context.lineWidth = 2;
  context.beginPath();
  context.arc(x * overlay.width, y * overlay.height, 8, 0, 2 * Math.PI);
  context.stroke();
}

start().catch((error) => showError(`the page could not start: ${error.message}`));
