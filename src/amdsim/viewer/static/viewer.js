// amdsim replay viewer: plain modern JavaScript + canvas, no library, no network beyond the
// local amdsim server (/data/*.json). Map: east/north in km; altitude as colour and in the
// altitude-over-time panel. Click a threat to read its story (computed by the server from
// the event log).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const S = {
    run: null, objects: [], threats: [], interceptors: [], events: null, markers: [], stories: new Map(), tracks: new Map(),
    t: 0, t0: 0, t1: 1, playing: false, speed: 10, selected: null, maxZ: 1,
    view: { cx: 0, cy: 0, scale: 1 }, home: null, lastFrame: null, drag: null,
  };
  const KM = 0.001;
  const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];

  function altColour(z) {
    const f = Math.max(0, Math.min(0.999, z / S.maxZ));
    return VIRIDIS[Math.floor(f * VIRIDIS.length)];
  }

  async function getJSON(name) {
    const r = await fetch("/data/" + name);
    if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
    return r.json();
  }

  // --- interpolation -------------------------------------------------------------------
  function sampleIndex(t, ts) { // last i with ts[i] <= t (ts sorted), -1 before the first
    let lo = 0, hi = ts.length - 1;
    if (!ts.length || t < ts[0]) return -1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ts[mid] <= t) lo = mid; else hi = mid - 1; }
    return lo;
  }
  function posAt(o, t) { // [x, y, z] in metres, or null when the object is not flying at t
    const n = o.t.length;
    if (!n || t < o.t[0] || t > o.t[n - 1]) return null;
    const i = sampleIndex(t, o.t);
    if (i >= n - 1) return [o.x[n - 1], o.y[n - 1], o.z[n - 1]];
    const f = (t - o.t[i]) / ((o.t[i + 1] - o.t[i]) || 1);
    return [o.x[i] + f * (o.x[i + 1] - o.x[i]), o.y[i] + f * (o.y[i + 1] - o.y[i]), o.z[i] + f * (o.z[i + 1] - o.z[i])];
  }

  // --- view transform --------------------------------------------------------------------
  function canvasSize(c) {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(50, c.clientWidth), h = Math.max(50, c.clientHeight);
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    }
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { g, w, h };
  }
  function toScreen(x, y) { // metres -> CSS pixels of the map canvas
    const c = $("map"), v = S.view;
    return [c.clientWidth / 2 + (x * KM - v.cx) * v.scale, c.clientHeight / 2 - (y * KM - v.cy) * v.scale];
  }
  function toWorldKm(px, py) {
    const c = $("map"), v = S.view;
    return [v.cx + (px - c.clientWidth / 2) / v.scale, v.cy - (py - c.clientHeight / 2) / v.scale];
  }
  function fitView() {
    const xs = [], ys = [];
    const add = (x, y) => { if (Number.isFinite(x) && Number.isFinite(y)) { xs.push(x * KM); ys.push(y * KM); } };
    for (const a of S.run.assets || []) {
      if (a.polygon_m) for (const p of a.polygon_m) add(p[0], p[1]);
      else if (a.center_m) { const r = a.radius_m || 0; add(a.center_m[0] - r, a.center_m[1] - r); add(a.center_m[0] + r, a.center_m[1] + r); }
    }
    for (const s of [...(S.run.radars || []), ...(S.run.batteries || [])]) if (s.pos_m) add(s.pos_m[0], s.pos_m[1]);
    for (const o of S.objects) for (let i = 0; i < o.t.length; i += Math.max(1, o.t.length >> 4)) add(o.x[i], o.y[i]);
    for (const o of S.objects) if (o.t.length) add(o.x[o.t.length - 1], o.y[o.t.length - 1]);
    if (!xs.length) { xs.push(-10, 10); ys.push(-10, 10); }
    const lo = (a) => a.reduce((m, v) => Math.min(m, v), Infinity), hi = (a) => a.reduce((m, v) => Math.max(m, v), -Infinity);
    const x0 = lo(xs), x1 = hi(xs), y0 = lo(ys), y1 = hi(ys);
    const c = $("map");
    const scale = 0.9 * Math.min(c.clientWidth / Math.max(x1 - x0, 1), c.clientHeight / Math.max(y1 - y0, 1));
    S.view = { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, scale };
    S.home = { ...S.view };
  }

  // --- drawing -----------------------------------------------------------------------------
  function niceStep(span) {
    const raw = span / 8, p = Math.pow(10, Math.floor(Math.log10(raw)));
    return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
  }
  function drawGrid(g, w, h) {
    const [x0, y1] = toWorldKm(0, 0), [x1, y0] = toWorldKm(w, h);
    const step = niceStep(Math.max(x1 - x0, 1e-3));
    g.strokeStyle = "#eceff2"; g.fillStyle = "#8a949e"; g.lineWidth = 1; g.font = "10px sans-serif";
    for (let x = Math.ceil(x0 / step) * step; x <= x1; x += step) {
      const [px] = toScreen(x / KM, 0); g.beginPath(); g.moveTo(px, 0); g.lineTo(px, h); g.stroke();
      g.fillText(`${+x.toFixed(3)} km`, px + 2, h - 4);
    }
    for (let y = Math.ceil(y0 / step) * step; y <= y1; y += step) {
      const [, py] = toScreen(0, y / KM); g.beginPath(); g.moveTo(0, py); g.lineTo(w, py); g.stroke();
      g.fillText(`${+y.toFixed(3)} km`, 2, py - 2);
    }
  }
  function ring(g, x, y, r, dash, colour) {
    const [px, py] = toScreen(x, y);
    g.beginPath(); g.setLineDash(dash); g.strokeStyle = colour; g.lineWidth = 1;
    g.arc(px, py, r * KM * S.view.scale, 0, 2 * Math.PI); g.stroke(); g.setLineDash([]);
  }
  function cross(g, px, py, s, colour, lw) {
    g.strokeStyle = colour; g.lineWidth = lw; g.beginPath();
    g.moveTo(px - s, py - s); g.lineTo(px + s, py + s); g.moveTo(px - s, py + s); g.lineTo(px + s, py - s); g.stroke();
  }
  function star(g, px, py, r) {
    g.beginPath();
    for (let k = 0; k < 10; k++) {
      const a = -Math.PI / 2 + (k * Math.PI) / 5, rr = k % 2 ? r * 0.45 : r;
      g.lineTo(px + rr * Math.cos(a), py + rr * Math.sin(a));
    }
    g.closePath(); g.fillStyle = "#ffbf00"; g.fill(); g.strokeStyle = "#333"; g.lineWidth = 0.6; g.stroke();
  }
  function drawTrails(g, objs, t, colour, width) { // one path, one stroke: fast on big raids
    g.beginPath(); g.strokeStyle = colour; g.lineWidth = width;
    const c = $("map"), v = S.view, hx = c.clientWidth / 2, hy = c.clientHeight / 2;
    for (const o of objs) {
      const i = sampleIndex(t, o.t);
      if (i < 0) continue;
      for (let k = 0; k <= i; k++) {
        const px = hx + (o.x[k] * KM - v.cx) * v.scale, py = hy - (o.y[k] * KM - v.cy) * v.scale;
        k ? g.lineTo(px, py) : g.moveTo(px, py);
      }
      const p = posAt(o, t);
      if (p) { const [px, py] = toScreen(p[0], p[1]); g.lineTo(px, py); }
    }
    g.stroke();
  }

  function drawMap() {
    const { g, w, h } = canvasSize($("map"));
    g.clearRect(0, 0, w, h);
    drawGrid(g, w, h);
    g.font = "11px sans-serif";
    for (const a of S.run.assets || []) {
      g.fillStyle = "rgba(44,160,44,0.22)"; g.strokeStyle = "#2ca02c"; g.lineWidth = 1.5; g.beginPath();
      if (a.polygon_m) a.polygon_m.forEach((p, k) => { const [px, py] = toScreen(p[0], p[1]); k ? g.lineTo(px, py) : g.moveTo(px, py); });
      else { const [px, py] = toScreen(a.center_m[0], a.center_m[1]); g.arc(px, py, (a.radius_m || 0) * KM * S.view.scale, 0, 2 * Math.PI); }
      g.closePath(); g.fill(); g.stroke();
      const [px, py] = toScreen(a.center_m[0], a.center_m[1]);
      g.fillStyle = "#145214"; g.fillText(a.name, px + 4, py);
    }
    for (const r of S.run.radars || []) {
      if (r.max_range_m) ring(g, r.pos_m[0], r.pos_m[1], r.max_range_m, [5, 4], "#1f77b4");
      const [px, py] = toScreen(r.pos_m[0], r.pos_m[1]);
      g.fillStyle = "#1f77b4"; g.beginPath(); g.moveTo(px, py - 7); g.lineTo(px + 6, py + 5); g.lineTo(px - 6, py + 5); g.closePath(); g.fill();
      g.fillText(r.name, px + 8, py - 4);
    }
    for (const b of S.run.batteries || []) {
      if (b.max_range_m) ring(g, b.pos_m[0], b.pos_m[1], b.max_range_m, [], "#17344f");
      if (b.min_range_m) ring(g, b.pos_m[0], b.pos_m[1], b.min_range_m, [2, 3], "#17344f");
      const [px, py] = toScreen(b.pos_m[0], b.pos_m[1]);
      g.fillStyle = "#17344f"; g.fillRect(px - 5, py - 5, 10, 10); g.fillText(b.name, px + 8, py + 12);
    }
    const t = S.t;
    drawTrails(g, S.interceptors, t, "rgba(31,119,180,0.55)", 1);
    drawTrails(g, S.threats.filter((o) => o.id !== S.selected), t, "rgba(120,120,120,0.45)", 1);
    drawTrails(g, S.threats.filter((o) => o.id === S.selected), t, "rgba(214,39,40,0.9)", 2);
    const story = S.stories.get(S.selected);
    if (story && story.track_ids) { // the tracker's estimate of the selected threat, dashed
      g.setLineDash([4, 3]);
      drawTrails(g, story.track_ids.map((id) => S.tracks.get(id)).filter(Boolean), t, "#ff7f0e", 1.5);
      g.setLineDash([]);
    }
    if (story && story.predicted_impact_m) { // the battle manager's predicted impact point
      const [px, py] = toScreen(story.predicted_impact_m[0], story.predicted_impact_m[1]);
      g.strokeStyle = "#d62728"; g.lineWidth = 1.5; g.setLineDash([2, 2]);
      g.beginPath(); g.arc(px, py, 8, 0, 2 * Math.PI); g.stroke(); g.setLineDash([]);
      g.fillStyle = "#d62728"; g.fillText("predicted impact", px + 10, py + 4);
    }
    for (const m of S.markers) {
      if (m.t > t) break;
      const [px, py] = toScreen(m.x, m.y);
      if (m.kind === "intercept") star(g, px, py, 7);
      else if (m.kind === "leak") cross(g, px, py, 6, "#d62728", 2.5);
      else cross(g, px, py, 4, "#666", 1.5);
    }
    for (const o of S.interceptors) {
      const p = posAt(o, t); if (!p) continue;
      const [px, py] = toScreen(p[0], p[1]);
      g.fillStyle = "#1f77b4"; g.beginPath(); g.arc(px, py, 3, 0, 2 * Math.PI); g.fill();
    }
    for (const o of S.threats) {
      const p = posAt(o, t); if (!p) continue;
      const [px, py] = toScreen(p[0], p[1]);
      g.fillStyle = altColour(p[2]); g.strokeStyle = "#222"; g.lineWidth = 0.8;
      g.beginPath(); g.arc(px, py, 5, 0, 2 * Math.PI); g.fill(); g.stroke();
      if (o.id === S.selected) { g.strokeStyle = "#d62728"; g.lineWidth = 2; g.beginPath(); g.arc(px, py, 10, 0, 2 * Math.PI); g.stroke(); }
    }
    drawColourBar(g, w);
  }
  function drawColourBar(g, w) {
    const x = w - 150, y = 10;
    VIRIDIS.forEach((c, k) => { g.fillStyle = c; g.fillRect(x + k * 12, y, 12, 8); });
    g.fillStyle = "#333"; g.font = "10px sans-serif";
    g.fillText("0", x, y + 19); g.fillText(`${(S.maxZ * KM).toFixed(1)} km altitude`, x + 40, y + 19);
  }

  function drawAlt() {
    const { g, w, h } = canvasSize($("alt"));
    g.clearRect(0, 0, w, h);
    const L = 34, B = 18, span = Math.max(S.t1 - S.t0, 1e-6);
    const sx = (t) => L + ((t - S.t0) / span) * (w - L - 6), sy = (z) => h - B - (z / S.maxZ) * (h - B - 6);
    g.strokeStyle = "#ccc"; g.strokeRect(L, 6, w - L - 6, h - B - 6);
    g.fillStyle = "#555"; g.font = "10px sans-serif";
    g.fillText(`${(S.maxZ * KM).toFixed(1)} km`, 0, 14); g.fillText("0", L - 10, h - B);
    g.fillText(`${S.t0.toFixed(0)} s`, L, h - 4); g.fillText(`${S.t1.toFixed(0)} s`, w - 40, h - 4);
    const curves = (objs, colour, lw) => { // one path, one stroke
      g.strokeStyle = colour; g.lineWidth = lw; g.beginPath();
      for (const o of objs) o.t.forEach((tt, k) => (k ? g.lineTo(sx(tt), sy(o.z[k])) : g.moveTo(sx(tt), sy(o.z[k]))));
      g.stroke();
    };
    curves(S.interceptors, "rgba(31,119,180,0.35)", 1);
    curves(S.threats.filter((o) => o.id !== S.selected), "rgba(120,120,120,0.35)", 1);
    curves(S.threats.filter((o) => o.id === S.selected), "#d62728", 2);
    g.strokeStyle = "#17344f"; g.lineWidth = 1.5; g.beginPath(); g.moveTo(sx(S.t), 6); g.lineTo(sx(S.t), h - B); g.stroke();
    for (const o of S.threats) {
      const p = posAt(o, S.t); if (!p) continue;
      g.fillStyle = altColour(p[2]); g.beginPath(); g.arc(sx(S.t), sy(p[2]), 3, 0, 2 * Math.PI); g.fill();
    }
  }

  function draw() {
    drawMap(); drawAlt();
    $("clock").textContent = `t = ${S.t.toFixed(1)} s`;
    $("slider").value = String(S.t);
  }

  // --- story --------------------------------------------------------------------------------
  function selectThreat(id) {
    S.selected = id;
    const s = S.stories.get(id), dl = $("story");
    dl.replaceChildren();
    $("storyhint").hidden = true;
    $("storytitle").textContent = s ? `Threat #${id} (${s.type}): ${s.outcome}` : `Threat #${id}`;
    if (s) {
      for (const line of s.lines) {
        const dt = document.createElement("dt"), dd = document.createElement("dd");
        dt.textContent = line.label; dd.textContent = line.text;
        if (line.label === "Outcome") dd.className = s.outcome;
        dl.append(dt, dd);
      }
    } else {
      const dd = document.createElement("dd"); dd.textContent = "no events for this threat"; dl.append(dd);
    }
    for (const b of $("threats").querySelectorAll("button")) b.classList.toggle("sel", Number(b.dataset.id) === id);
    draw();
  }
  function threatScreenPos(id, t) { // CSS pixels relative to the map canvas, or null
    const o = S.threats.find((q) => q.id === id); if (!o) return null;
    const p = posAt(o, t === undefined ? S.t : t); if (!p) return null;
    return toScreen(p[0], p[1]);
  }
  function pick(px, py) {
    let best = null, bestD = 12;
    for (const o of S.threats) {
      const p = posAt(o, S.t); if (!p) continue;
      const [sx, sy] = toScreen(p[0], p[1]), d = Math.hypot(sx - px, sy - py);
      if (d < bestD) { bestD = d; best = o.id; }
    }
    if (best === null) { // not near a flying threat: try the trails flown so far
      for (const o of S.threats) {
        const i = sampleIndex(S.t, o.t);
        for (let k = 0; k <= i; k++) {
          const [sx, sy] = toScreen(o.x[k], o.y[k]), d = Math.hypot(sx - px, sy - py);
          if (d < bestD) { bestD = d; best = o.id; }
        }
      }
    }
    return best;
  }

  // --- time ------------------------------------------------------------------------------------
  function setTime(t) { S.t = Math.max(S.t0, Math.min(S.t1, t)); draw(); }
  function setPlaying(on) {
    S.playing = on; S.lastFrame = null;
    $("play").textContent = on ? "❚❚ Pause" : "▶ Play";
    if (on) { if (S.t >= S.t1) S.t = S.t0; requestAnimationFrame(frame); }
  }
  function frame(now) {
    if (!S.playing) return;
    if (S.lastFrame !== null) S.t = Math.min(S.t1, S.t + ((now - S.lastFrame) / 1000) * S.speed);
    S.lastFrame = now;
    draw();
    if (S.t >= S.t1) setPlaying(false); else requestAnimationFrame(frame);
  }

  // --- set-up ----------------------------------------------------------------------------------
  function wire() {
    $("play").addEventListener("click", () => setPlaying(!S.playing));
    $("speed").addEventListener("change", (e) => { S.speed = Number(e.target.value); });
    $("slider").addEventListener("input", (e) => { S.t = Number(e.target.value); draw(); });
    document.addEventListener("keydown", (e) => { if (e.code === "Space" && e.target.tagName !== "INPUT") { e.preventDefault(); setPlaying(!S.playing); } });
    const c = $("map");
    c.addEventListener("mousedown", (e) => { S.drag = { x: e.offsetX, y: e.offsetY, cx: S.view.cx, cy: S.view.cy, moved: false }; });
    c.addEventListener("mousemove", (e) => {
      const d = S.drag; if (!d) return;
      if (Math.hypot(e.offsetX - d.x, e.offsetY - d.y) > 4) d.moved = true;
      if (d.moved) { S.view.cx = d.cx - (e.offsetX - d.x) / S.view.scale; S.view.cy = d.cy + (e.offsetY - d.y) / S.view.scale; draw(); }
    });
    c.addEventListener("mouseup", (e) => {
      const d = S.drag; S.drag = null;
      if (d && !d.moved) { const id = pick(e.offsetX, e.offsetY); if (id !== null) selectThreat(id); }
    });
    c.addEventListener("mouseleave", () => { S.drag = null; });
    c.addEventListener("wheel", (e) => {
      e.preventDefault();
      const [wx, wy] = toWorldKm(e.offsetX, e.offsetY), f = e.deltaY < 0 ? 1.2 : 1 / 1.2;
      S.view.scale *= f; S.view.cx = wx - (wx - S.view.cx) / f; S.view.cy = wy - (wy - S.view.cy) / f; draw();
    }, { passive: false });
    c.addEventListener("dblclick", () => { if (S.home) { S.view = { ...S.home }; draw(); } });
    window.addEventListener("resize", () => draw());
  }

  function fillLists(summary) {
    const ul = $("threats");
    for (const o of S.threats) {
      const s = S.stories.get(o.id), li = document.createElement("li"), b = document.createElement("button");
      b.type = "button"; b.dataset.id = String(o.id);
      b.textContent = `#${o.id} ${o.type}` + (s ? ` — ${s.outcome}` : "");
      b.addEventListener("click", () => selectThreat(o.id));
      li.append(b); ul.append(li);
    }
    const tb = $("summary");
    for (const m of summary.metrics || []) {
      const tr = document.createElement("tr");
      for (const v of [m.name, typeof m.value === "number" ? +m.value.toPrecision(6) : String(m.value), m.unit || ""]) {
        const td = document.createElement("td"); td.textContent = String(v); tr.append(td);
      }
      tb.append(tr);
    }
  }

  async function main() {
    const [run, summary, traj, events, stories, files, tracks] = await Promise.all(
      ["run.json", "summary.json", "trajectories.json", "events.json", "stories.json", "files.json", "tracks.json"].map(getJSON));
    for (const tk of tracks.tracks) S.tracks.set(tk.id, tk);
    S.run = run; S.events = events;
    S.markers = []; // intercepts, leaks, impacts in time order (events.json is sorted by time)
    const leaked = new Set(events.threat_id.filter((id, k) => events.kind[k] === "leak"));
    events.kind.forEach((kind, k) => {
      if (events.x_m[k] === null || !["intercept", "leak", "impact"].includes(kind)) return;
      if (kind === "impact" && leaked.has(events.threat_id[k])) return; // drawn as a leak
      S.markers.push({ t: events.t_s[k], kind, x: events.x_m[k], y: events.y_m[k] });
    });
    S.objects = traj.objects;
    S.threats = S.objects.filter((o) => o.object === "threat").sort((a, b) => a.id - b.id);
    S.interceptors = S.objects.filter((o) => o.object === "interceptor");
    for (const s of stories.stories) S.stories.set(s.id, s);
      let t0 = 0, t1 = run.duration_s || 0, zmax = 1000; // loops, not Math.max(...big array)
    for (const o of S.objects) {
      if (o.t.length) { t0 = Math.min(t0, o.t[0]); t1 = Math.max(t1, o.t[o.t.length - 1]); }
      if (o.object === "threat") for (const z of o.z) if (z > zmax) zmax = z;
    }
    for (const t of events.t_s) { if (t < t0) t0 = t; if (t > t1) t1 = t; }
    S.t0 = t0; S.t1 = Math.max(t1, t0 + 1); S.maxZ = zmax;
    $("slider").min = String(S.t0); $("slider").max = String(S.t1);
    $("title").textContent = `amdsim replay: ${run.scenario_name || "run"}` + (run.seed !== undefined ? ` (seed ${run.seed})` : "");
    document.title = $("title").textContent;
    $("reportlink").hidden = !files.report;
    S.t = S.t0;
    fillLists(summary);
    wire();
    fitView();
    draw();
    $("status").textContent = `${S.threats.length} threats, ${S.interceptors.length} interceptors, ${events.n_detections} detections`;
    window.amdsim.ready = true;
  }

  window.amdsim = { ready: false, state: S, selectThreat, threatScreenPos, setTime, setPlaying };
  main().catch((err) => {
    const st = $("status"); st.textContent = `Could not load the run: ${err.message}`; st.className = "status error";
    console.error(err);
  });
})();
