/* iadsim replay viewer (offline).
 *
 * Animation the way that scales: every trajectory (threat truth, interceptor flyouts, track
 * estimates) is uploaded to the GPU once, as line segments whose vertices carry their sample
 * time. Each frame only the clock changes (one uniform): the vertex shader places the moving
 * heads by interpolating inside the segment that contains the clock, and the fragment shader
 * cuts the trails at the clock. No setData per frame, no per-entity work in JavaScript. The
 * trajectories are drawn in their own WebGL canvas over the MapLibre map (north up, no pitch), so
 * a clock step redraws them alone and the base map is redrawn only when the view changes.
 */
(function () {
  "use strict";
  var COLOURS = { destroyed: [0.17, 0.55, 0.75], leaked: [0.84, 0.19, 0.12], in_flight: [0.96, 0.62, 0.04],
                  interceptor: [0.19, 0.64, 0.33], track: [0.1, 0.1, 0.1] };
  var stats = { raf: 0, renders: 0, t0: performance.now() };
  var state = { t: 0, playing: false, speed: 30, last: null, duration: 1, trail: 300 };
  window.iadsimViewer = { state: state, stats: stats, ready: false };

  function merc(lon, lat) {
    var x = (lon + 180) / 360;
    var s = Math.sin(lat * Math.PI / 180);
    var y = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
    return [x, y];
  }

  // ---------------------------------------------------------------- GPU layer
  // Web Mercator (x, y in 0..1) → clip space for a north-up, unpitched view: clip = (p − c) · s
  var VS_TRAIL = "attribute vec2 a_pos; attribute float a_t; attribute vec3 a_col;" +
    "uniform vec2 u_center; uniform vec2 u_scale; varying float v_t; varying vec3 v_col;" +
    "void main(){ v_t = a_t; v_col = a_col; gl_Position = vec4((a_pos - u_center) * u_scale, 0.0, 1.0); }";
  var FS_TRAIL = "precision highp float; uniform float u_time; uniform float u_trail; uniform float u_alpha; varying float v_t; varying vec3 v_col;" +
    "void main(){ if (v_t > u_time || v_t < u_time - u_trail) discard; gl_FragColor = vec4(v_col * u_alpha, u_alpha); }";
  var VS_HEAD = "attribute vec2 a_p0; attribute vec2 a_p1; attribute vec2 a_t01; attribute vec3 a_col;" +
    "uniform vec2 u_center; uniform vec2 u_scale; uniform float u_time; uniform float u_size; varying vec3 v_col;" +
    "void main(){ v_col = a_col; float t0 = a_t01.x; float t1 = a_t01.y;" +
    " if (u_time < t0 || u_time >= t1) { gl_PointSize = 0.0; gl_Position = vec4(2.0, 2.0, 2.0, 1.0); return; }" +
    " float u = (u_time - t0) / max(t1 - t0, 1e-6); vec2 p = mix(a_p0, a_p1, u);" +
    " gl_PointSize = u_size; gl_Position = vec4((p - u_center) * u_scale, 0.0, 1.0); }";
  var FS_HEAD = "precision highp float; varying vec3 v_col;" +
    "void main(){ vec2 d = gl_PointCoord - vec2(0.5); if (dot(d, d) > 0.25) discard; gl_FragColor = vec4(v_col, 1.0); }";

  function compile(gl, vs, fs) {
    function sh(type, src) {
      var s = gl.createShader(type); gl.shaderSource(s, src); gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s));
      return s;
    }
    var p = gl.createProgram();
    gl.attachShader(p, sh(gl.VERTEX_SHADER, vs)); gl.attachShader(p, sh(gl.FRAGMENT_SHADER, fs));
    gl.linkProgram(p);
    if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(p));
    return p;
  }

  /* Build the static buffers of one path set, segments sorted by start time so that the ones
   * a frame needs are one contiguous range (found by bisection, O(log n) per frame).
   * paths: {starts, t, lon, lat}; colourOf(k) -> [r,g,b] for path k. */
  function buildPaths(paths, colourOf) {
    var n = paths.t.length, P = paths.starts.length - 1;
    var xy = new Float32Array(2 * n);
    for (var i = 0; i < n; i++) { var m = merc(paths.lon[i], paths.lat[i]); xy[2 * i] = m[0]; xy[2 * i + 1] = m[1]; }
    var segRow = [], segPath = [];
    for (var k = 0; k < P; k++) for (var j = paths.starts[k]; j < paths.starts[k + 1] - 1; j++) { segRow.push(j); segPath.push(k); }
    var segs = segRow.length, order = new Array(segs);
    for (i = 0; i < segs; i++) order[i] = i;
    order.sort(function (x, y) { return paths.t[segRow[x]] - paths.t[segRow[y]]; });
    var trail = new Float32Array(segs * 2 * 6);      // per vertex: x, y, t, r, g, b
    var head = new Float32Array(segs * 9);           // per segment: x0 y0 x1 y1 t0 t1 r g b
    var t0s = new Float64Array(segs), maxDur = 0;
    for (var s = 0; s < segs; s++) {
      var q = order[s], jj = segRow[q], c = colourOf(segPath[q]);
      var ta = paths.t[jj], tb = paths.t[jj + 1];
      trail.set([xy[2 * jj], xy[2 * jj + 1], ta, c[0], c[1], c[2], xy[2 * jj + 2], xy[2 * jj + 3], tb, c[0], c[1], c[2]], s * 12);
      head.set([xy[2 * jj], xy[2 * jj + 1], xy[2 * jj + 2], xy[2 * jj + 3], ta, tb, c[0], c[1], c[2]], s * 9);
      t0s[s] = ta; maxDur = Math.max(maxDur, tb - ta);
    }
    return { trail: trail, head: head, segs: segs, t0s: t0s, maxDur: maxDur };
  }

  function bisectLeft(a, x) { var lo = 0, hi = a.length; while (lo < hi) { var m = (lo + hi) >> 1; if (a[m] < x) lo = m + 1; else hi = m; } return lo; }
  function bisectRight(a, x) { var lo = 0, hi = a.length; while (lo < hi) { var m = (lo + hi) >> 1; if (a[m] <= x) lo = m + 1; else hi = m; } return lo; }

  /* The trajectories live in their own WebGL canvas over the map: moving the clock redraws only
   * this canvas (one uniform changes), never the base map; panning/zooming redraws both. */
  function TrajectoryOverlay(map, sets) {
    this.map = map; this.sets = sets;
    var c = document.createElement("canvas");
    c.className = "traj-overlay";
    c.style.cssText = "position:absolute;left:0;top:0;pointer-events:none;";
    map.getContainer().appendChild(c);
    this.canvas = c;
    var gl = c.getContext("webgl", { premultipliedAlpha: true, antialias: false, preserveDrawingBuffer: false, alpha: true });
    if (!gl) throw new Error("WebGL is not available");
    this.gl = gl;
    this.pTrail = compile(gl, VS_TRAIL, FS_TRAIL);
    this.pHead = compile(gl, VS_HEAD, FS_HEAD);
    sets.forEach(function (st) {
      st.bTrail = gl.createBuffer(); gl.bindBuffer(gl.ARRAY_BUFFER, st.bTrail); gl.bufferData(gl.ARRAY_BUFFER, st.data.trail, gl.STATIC_DRAW);
      st.bHead = gl.createBuffer(); gl.bindBuffer(gl.ARRAY_BUFFER, st.bHead); gl.bufferData(gl.ARRAY_BUFFER, st.data.head, gl.STATIC_DRAW);
      st.data.trail = null; st.data.head = null;  // uploaded once; the GPU keeps them (t0s stays for bisection)
    });
    this.resize();
  }
  TrajectoryOverlay.prototype.resize = function () {
    var r = window.devicePixelRatio || 1, el = this.map.getContainer();
    this.cssW = el.clientWidth; this.cssH = el.clientHeight;
    this.canvas.width = Math.round(this.cssW * r); this.canvas.height = Math.round(this.cssH * r);
    this.canvas.style.width = this.cssW + "px"; this.canvas.style.height = this.cssH + "px";
  };
  TrajectoryOverlay.prototype.draw = function () {
    stats.renders++;
    var gl = this.gl, map = this.map;
    var ctr = map.getCenter(), c = merc(ctr.lng, ctr.lat);
    var ws = 512 * Math.pow(2, map.getZoom());           // world size in CSS px (512 px tiles)
    var sx = 2 * ws / this.cssW, sy = -2 * ws / this.cssH;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0, 0, 0, 0); gl.clear(gl.COLOR_BUFFER_BIT);
    gl.enable(gl.BLEND); gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    var self = this;
    this.sets.forEach(function (st) {
      if (!st.visible || st.data.segs === 0) return;
      var d = st.data, hi = bisectRight(d.t0s, state.t);
      var lo = isFinite(state.trail) ? bisectLeft(d.t0s, state.t - state.trail - d.maxDur) : 0;
      var p = self.pTrail; gl.useProgram(p);
      gl.uniform1f(gl.getUniformLocation(p, "u_trail"), isFinite(state.trail) ? state.trail : 1e9);
      gl.uniform2f(gl.getUniformLocation(p, "u_center"), c[0], c[1]);
      gl.uniform2f(gl.getUniformLocation(p, "u_scale"), sx, sy);
      gl.uniform1f(gl.getUniformLocation(p, "u_time"), state.t);
      gl.uniform1f(gl.getUniformLocation(p, "u_alpha"), st.alpha);
      gl.bindBuffer(gl.ARRAY_BUFFER, st.bTrail);
      var lp = gl.getAttribLocation(p, "a_pos"), lt = gl.getAttribLocation(p, "a_t"), lc = gl.getAttribLocation(p, "a_col");
      gl.enableVertexAttribArray(lp); gl.vertexAttribPointer(lp, 2, gl.FLOAT, false, 24, 0);
      gl.enableVertexAttribArray(lt); gl.vertexAttribPointer(lt, 1, gl.FLOAT, false, 24, 8);
      gl.enableVertexAttribArray(lc); gl.vertexAttribPointer(lc, 3, gl.FLOAT, false, 24, 12);
      if (hi > lo) gl.drawArrays(gl.LINES, 2 * lo, 2 * (hi - lo));  // only segments that can show
      gl.disableVertexAttribArray(lp); gl.disableVertexAttribArray(lt); gl.disableVertexAttribArray(lc);
      if (st.size > 0) {
        p = self.pHead; gl.useProgram(p);
        gl.uniform2f(gl.getUniformLocation(p, "u_center"), c[0], c[1]);
        gl.uniform2f(gl.getUniformLocation(p, "u_scale"), sx, sy);
        gl.uniform1f(gl.getUniformLocation(p, "u_time"), state.t);
        gl.uniform1f(gl.getUniformLocation(p, "u_size"), st.size * (window.devicePixelRatio || 1));
        gl.bindBuffer(gl.ARRAY_BUFFER, st.bHead);
        var a0 = gl.getAttribLocation(p, "a_p0"), a1 = gl.getAttribLocation(p, "a_p1"), at = gl.getAttribLocation(p, "a_t01"), ac = gl.getAttribLocation(p, "a_col");
        gl.enableVertexAttribArray(a0); gl.vertexAttribPointer(a0, 2, gl.FLOAT, false, 36, 0);
        gl.enableVertexAttribArray(a1); gl.vertexAttribPointer(a1, 2, gl.FLOAT, false, 36, 8);
        gl.enableVertexAttribArray(at); gl.vertexAttribPointer(at, 2, gl.FLOAT, false, 36, 16);
        gl.enableVertexAttribArray(ac); gl.vertexAttribPointer(ac, 3, gl.FLOAT, false, 36, 24);
        var hl = bisectLeft(d.t0s, state.t - d.maxDur);        // heads: segments that can contain the clock
        if (hi > hl) gl.drawArrays(gl.POINTS, hl, hi - hl);
        gl.disableVertexAttribArray(a0); gl.disableVertexAttribArray(a1); gl.disableVertexAttribArray(at); gl.disableVertexAttribArray(ac);
      }
    });
  };

  // ---------------------------------------------------------------- CPU helpers (click, log)
  function positionAt(paths, k, t) {
    var a = paths.starts[k], b = paths.starts[k + 1];
    if (b - a < 1 || t < paths.t[a] || t > paths.t[b - 1]) return null;
    for (var j = a; j < b - 1; j++) {
      if (t <= paths.t[j + 1]) {
        var u = (t - paths.t[j]) / Math.max(paths.t[j + 1] - paths.t[j], 1e-6);
        return [paths.lon[j] + u * (paths.lon[j + 1] - paths.lon[j]), paths.lat[j] + u * (paths.lat[j + 1] - paths.lat[j]),
                paths.alt[j] + u * (paths.alt[j + 1] - paths.alt[j])];
      }
    }
    return [paths.lon[b - 1], paths.lat[b - 1], paths.alt[b - 1]];
  }
  window.iadsimViewer.positionAt = positionAt;

  function bisect(arr, x) { var lo = 0, hi = arr.length; while (lo < hi) { var m = (lo + hi) >> 1; if (arr[m] <= x) lo = m + 1; else hi = m; } return lo; }

  function ringFeatures(list) {
    return { type: "FeatureCollection", features: list.map(function (r) {
      return { type: "Feature", properties: { name: r.name }, geometry: { type: "Polygon", coordinates: [r.ring] } };
    }) };
  }

  function fmtEvent(cols, row) {
    var o = [];
    for (var i = 0; i < cols.length; i++) {
      var c = cols[i], v = row[i];
      if (v === null || v === "" || c === "lat_deg" || c === "lon_deg" || c === "alt_m") continue;
      if (c === "time_s") o.push(String(Math.round(v * 10) / 10).padStart(7) + " s");
      else if (c === "kind") o.push(String(v).padEnd(14));
      else o.push(c + "=" + v);
    }
    return o.join(" ");
  }

  // ---------------------------------------------------------------- start
  Promise.all([fetch("/api/scene.json").then(function (r) { return r.json(); }),
               fetch("/api/borders.geojson").then(function (r) { return r.json(); })]).then(function (res) {
    var sc = res[0], borders = res[1];
    window.iadsimViewer.scene = sc;
    window.iadsimViewer.colours = COLOURS;
    state.duration = sc.meta.duration_s;
    document.getElementById("title").textContent = "iadsim replay — " + sc.meta.scenario + " (seed " + sc.meta.seed + ")";
    document.getElementById("caveat").textContent = sc.meta.caveat;
    var slider = document.getElementById("slider");
    slider.max = String(sc.meta.duration_s); slider.step = String(sc.meta.time_step_s || 1);

    var pts = [];
    sc.sites.forEach(function (s) { pts.push([s.lon_deg, s.lat_deg]); });
    sc.assets.forEach(function (s) { pts.push([s.lon_deg, s.lat_deg]); });
    for (var i = 0; i < sc.threats.lon.length; i += 7) pts.push([sc.threats.lon[i], sc.threats.lat[i]]);
    var w = 180, s_ = 90, e = -180, n = -90;
    pts.forEach(function (p) { w = Math.min(w, p[0]); e = Math.max(e, p[0]); s_ = Math.min(s_, p[1]); n = Math.max(n, p[1]); });

    var style = {
      version: 8,
      sources: {
        borders: { type: "geojson", data: borders },
        radar: { type: "geojson", data: ringFeatures(sc.rings.radar) },
        fu: { type: "geojson", data: ringFeatures(sc.rings.fire_unit) },
        sites: { type: "geojson", data: { type: "FeatureCollection", features: sc.sites.map(function (s) {
          return { type: "Feature", properties: { name: s.name, kind: "site", idx: s.site }, geometry: { type: "Point", coordinates: [s.lon_deg, s.lat_deg] } }; }) } },
        cities: { type: "geojson", data: { type: "FeatureCollection", features: (sc.cities || []).map(function (c) {
          return { type: "Feature", properties: { name: c.name, kind: "city" }, geometry: { type: "Point", coordinates: [c.lon_deg, c.lat_deg] } }; }) } },
        assets: { type: "geojson", data: { type: "FeatureCollection", features: sc.assets.map(function (s) {
          return { type: "Feature", properties: { name: s.name, kind: "asset", idx: s.asset }, geometry: { type: "Point", coordinates: [s.lon_deg, s.lat_deg] } }; }) } }
      },
      layers: [
        { id: "sea", type: "background", paint: { "background-color": "#cfe0ee" } },
        { id: "land", type: "fill", source: "borders", paint: { "fill-color": "#f7f6f0" } },
        { id: "borders", type: "line", source: "borders", paint: { "line-color": "#7a7a7a", "line-width": 0.8 } },
        { id: "radar-fill", type: "fill", source: "radar", paint: { "fill-color": "#6a51a3", "fill-opacity": 0.04 } },
        { id: "radar-line", type: "line", source: "radar", paint: { "line-color": "#6a51a3", "line-width": 1, "line-dasharray": [3, 2] } },
        { id: "fu-fill", type: "fill", source: "fu", paint: { "fill-color": "#08519c", "fill-opacity": 0.06 } },
        { id: "fu-line", type: "line", source: "fu", paint: { "line-color": "#08519c", "line-width": 1.2 } },
        { id: "cities", type: "circle", source: "cities", paint: { "circle-radius": 2.6, "circle-color": "#525252", "circle-stroke-color": "#fff", "circle-stroke-width": 0.8 } },
        { id: "assets", type: "circle", source: "assets", paint: { "circle-radius": 5, "circle-color": "#7a0177", "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } },
        { id: "sites", type: "circle", source: "sites", paint: { "circle-radius": 5, "circle-color": "#08306b", "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } }
      ]
    };
    var map = new maplibregl.Map({ container: "map", style: style, bounds: [[w, s_], [e, n]], fitBoundsOptions: { padding: 60 },
                                   attributionControl: false, dragRotate: false, pitchWithRotate: false, maxPitch: 0, fadeDuration: 0,
                                   canvasContextAttributes: { antialias: false, preserveDrawingBuffer: true } });
    map.touchZoomRotate.disableRotation();
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
    window.iadsimViewer.map = map;

    var th = sc.threats, ic = sc.interceptors, tk = sc.tracks;
    var sets = [
      { name: "int", data: buildPaths(ic, function () { return COLOURS.interceptor; }), visible: true, alpha: 0.8, size: 4 },
      { name: "truth", data: buildPaths(th, function (k) { return COLOURS[th.outcome[k]]; }), visible: true, alpha: 0.9, size: 7 }
    ];
    if (tk) sets.push({ name: "tracks", data: buildPaths(tk, function () { return COLOURS.track; }), visible: true, alpha: 0.55, size: 3 });
    window.iadsimViewer.sets = sets;
    var overlay = null, dirty = true;
    function redraw() { dirty = true; }

    map.on("load", function () {
      overlay = new TrajectoryOverlay(map, sets);
      window.iadsimViewer.overlay = overlay;
      map.on("move", function () { if (overlay) overlay.draw(); });
      map.on("resize", function () { if (overlay) { overlay.resize(); overlay.draw(); } });
      overlay.draw();
      var labels = [];
      [["asset", sc.assets, "asset"], ["site", sc.sites, "site"], ["city", sc.cities || [], "city"]].forEach(function (g) {
        g[1].forEach(function (s) {
          var el = document.createElement("div"); el.className = "lbl " + g[2]; el.textContent = s.name;
          labels.push(el);
          new maplibregl.Marker({ element: el, anchor: "left", offset: [8, -8] }).setLngLat([s.lon_deg, s.lat_deg]).addTo(map);
        });
      });
      // labels never overlap: after each view change, hide a label whose box meets an earlier
      // visible one (assets first), and show its name in the kept label's tooltip instead
      function declutter() {
        var kept = [];
        labels.forEach(function (el) {
          el.style.visibility = "visible"; el.title = "";
          var r = el.getBoundingClientRect(), hit = null;
          for (var i = 0; i < kept.length && !hit; i++) {
            var q = kept[i].r;
            if (r.left < q.right && r.right > q.left && r.top < q.bottom && r.bottom > q.top) hit = kept[i].el;
          }
          if (hit) {
            el.style.visibility = "hidden";  // a city label just yields; an asset or site name moves to the kept label's tooltip
            if (!el.classList.contains("city")) hit.title = (hit.title ? hit.title + ", " : "") + el.textContent;
          }
          else kept.push({ el: el, r: r });
        });
      }
      window.iadsimViewer.declutter = declutter;
      map.on("moveend", declutter);
      setTimeout(declutter, 0);
      window.iadsimViewer.ready = true;
    });

    // legend
    document.getElementById("legend").innerHTML = ["destroyed", "leaked", "in_flight"].map(function (o) {
      var c = COLOURS[o].map(function (x) { return Math.round(x * 255); });
      return '<span class="sw" style="background:rgb(' + c.join(",") + ')"></span>' + o.replace("_", " ");
    }).join("") + '<span class="sw" style="background:#31a354"></span>interceptor<span class="sw" style="background:#1a1a1a"></span>track estimate' +
      ((sc.cities || []).length ? '<span class="sw" style="background:#525252;border-radius:50%"></span>city (' + sc.cities_attribution.replace(/^Cities: /, "") + ')' : "");

    // toggles
    function bindToggle(id, fn) { document.getElementById(id).addEventListener("change", function (ev) { fn(ev.target.checked); redraw(); }); }
    bindToggle("t-truth", function (v) { sets[1].visible = v; });
    bindToggle("t-int", function (v) { sets[0].visible = v; });
    bindToggle("t-tracks", function (v) { if (sets[2]) sets[2].visible = v; });
    bindToggle("t-radar", function (v) { ["radar-fill", "radar-line"].forEach(function (l) { map.setLayoutProperty(l, "visibility", v ? "visible" : "none"); }); });
    bindToggle("t-fu", function (v) { ["fu-fill", "fu-line"].forEach(function (l) { map.setLayoutProperty(l, "visibility", v ? "visible" : "none"); }); });

    // event log
    var ev = sc.events, evT = ev.rows.map(function (r) { return r[0]; });
    var logEl = document.getElementById("log"), lastIdx = -1;
    function updateLog() {
      var k = bisect(evT, state.t);
      if (k === lastIdx) return;
      lastIdx = k;
      var a = Math.max(0, k - 40), lines = [];
      for (var i = a; i < k; i++) lines.push('<div' + (i === k - 1 ? ' class="now"' : "") + ">" + fmtEvent(ev.cols, ev.rows[i]).replace(/&/g, "&amp;").replace(/</g, "&lt;") + "</div>");
      logEl.innerHTML = lines.join("");
      logEl.scrollTop = logEl.scrollHeight;
    }

    function setTime(t) {
      state.t = Math.max(0, Math.min(t, state.duration));
      slider.value = String(state.t);
      document.getElementById("clock").textContent = "t = " + state.t.toFixed(0) + " s";
      updateLog();
      redraw();
    }
    window.iadsimViewer.setTime = setTime;
    slider.addEventListener("input", function () { setTime(parseFloat(slider.value)); });
    var playBtn = document.getElementById("play");
    function setPlaying(p) { state.playing = p; state.last = null; playBtn.textContent = p ? "❚❚" : "▶"; }
    window.iadsimViewer.setPlaying = setPlaying;
    playBtn.addEventListener("click", function () { if (state.t >= state.duration) setTime(0); setPlaying(!state.playing); });
    document.getElementById("speed").addEventListener("change", function (e2) { state.speed = parseFloat(e2.target.value); });
    document.getElementById("trail").addEventListener("change", function (e4) { state.trail = parseFloat(e4.target.value); redraw(); });
    document.addEventListener("keydown", function (k) { if (k.code === "Space" && k.target === document.body) { k.preventDefault(); playBtn.click(); } });

    function frame(now) {
      stats.raf++;
      if (state.playing) {
        if (state.last !== null) setTime(state.t + (now - state.last) / 1000 * state.speed);
        state.last = now;
        if (state.t >= state.duration) setPlaying(false);
      }
      if (dirty && overlay) { overlay.draw(); dirty = false; }
      var el = (now - stats.t0) / 1000;
      if (stats.raf % 30 === 0) document.getElementById("stats").textContent =
        (th.ids.length) + " threats, " + (ic.ids.length) + " interceptors; " + (stats.renders / Math.max(el, 1e-3)).toFixed(0) + " trajectory frames/s";
      requestAnimationFrame(frame);
    }
    requestAnimationFrame(frame);

    // click → history
    var info = document.getElementById("info");
    function history(pred) {
      var out = [];
      for (var i = 0; i < ev.rows.length && out.length < 60; i++) if (pred(i)) out.push(fmtEvent(ev.cols, ev.rows[i]));
      return out.join("\n");
    }
    map.on("click", function (e3) {
      var best = null, bestD = 12 * 12;
      function consider(lonlat, what) {
        var p = map.project(lonlat), d = (p.x - e3.point.x) * (p.x - e3.point.x) + (p.y - e3.point.y) * (p.y - e3.point.y);
        if (d < bestD) { bestD = d; best = what; }
      }
      for (var k = 0; k < th.ids.length; k++) { var q = positionAt(th, k, state.t); if (q) consider([q[0], q[1]], ["threat", k, q]); }
      for (k = 0; k < ic.ids.length; k++) { q = positionAt(ic, k, state.t); if (q) consider([q[0], q[1]], ["interceptor", k, q]); }
      sc.sites.forEach(function (s, j) { consider([s.lon_deg, s.lat_deg], ["site", j]); });
      sc.assets.forEach(function (s, j) { consider([s.lon_deg, s.lat_deg], ["asset", j]); });
      if (!best) { info.textContent = "Nothing here at t = " + state.t.toFixed(0) + " s."; return; }
      var txt;
      if (best[0] === "threat") {
        var id = th.ids[best[1]];
        txt = "threat " + th.name[best[1]] + " (" + th.type[best[1]] + "): " + th.outcome[best[1]].replace("_", " ") +
              "\nnow " + best[2][1].toFixed(3) + "°N " + best[2][0].toFixed(3) + "°E, " + Math.round(best[2][2]) + " m\n" +
              history(function (i) { return ev.ids.threat[i] === id; });
      } else if (best[0] === "interceptor") {
        var sid = ic.ids[best[1]];
        txt = "interceptor shot " + sid + "\n" + history(function (i) { return ev.ids.shot[i] === sid; });
      } else if (best[0] === "site") {
        var site = sc.sites[best[1]];
        txt = "site " + site.name + "\n" + history(function (i) { return ev.ids.site[i] === site.site || (ev.ids.fire_unit[i] >= 0 && sc.fire_units[ev.ids.fire_unit[i]] && sc.fire_units[ev.ids.fire_unit[i]].site_name === site.name); });
      } else {
        var as = sc.assets[best[1]];
        txt = "asset " + as.name + " (value " + as.value + ")\n" + history(function (i) { return ev.ids.asset[i] === as.asset; });
      }
      info.textContent = txt;
      window.iadsimViewer.selected = best;
    });
    setTime(0);
  }).catch(function (err) {
    document.getElementById("info").textContent = "failed to load the run: " + err;
    throw err;
  });
})();
