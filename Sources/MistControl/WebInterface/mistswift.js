// MistSwift's management interface: one page that talks to this server's JSON API (/api) and
// WebSocket API (/ws) only, so everything it does a script can do too. Plain JavaScript, no
// build step, nothing fetched from elsewhere.
(function () {
  "use strict";

  // ---------------------------------------------------------------- MD5 (RFC 1321), over UTF-8
  // The API's login proves the password as md5(md5(password) + challenge).
  function md5(text) {
    var bytes = new TextEncoder().encode(text);
    var length = bytes.length;
    var words = new Uint32Array((((length + 8) >>> 6) + 1) * 16);
    for (var i = 0; i < length; i++) { words[i >> 2] |= bytes[i] << ((i % 4) * 8); }
    words[length >> 2] |= 0x80 << ((length % 4) * 8);
    words[words.length - 2] = length * 8;
    words[words.length - 1] = Math.floor(length / 0x20000000);
    var shifts = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
    var table = [];
    for (var k = 0; k < 64; k++) { table[k] = Math.floor(Math.abs(Math.sin(k + 1)) * 4294967296) | 0; }
    var a0 = 0x67452301, b0 = 0xefcdab89 | 0, c0 = 0x98badcfe | 0, d0 = 0x10325476;
    for (var block = 0; block < words.length; block += 16) {
      var a = a0, b = b0, c = c0, d = d0;
      for (var j = 0; j < 64; j++) {
        var f, g, round = j >> 4;
        if (round === 0) { f = (b & c) | (~b & d); g = j; }
        else if (round === 1) { f = (d & b) | (~d & c); g = (5 * j + 1) % 16; }
        else if (round === 2) { f = b ^ c ^ d; g = (3 * j + 5) % 16; }
        else { f = c ^ (b | ~d); g = (7 * j) % 16; }
        var sum = (a + f + table[j] + words[block + g]) | 0;
        var shift = shifts[round * 4 + (j % 4)];
        a = d; d = c; c = b;
        b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0;
      }
      a0 = (a0 + a) | 0; b0 = (b0 + b) | 0; c0 = (c0 + c) | 0; d0 = (d0 + d) | 0;
    }
    return [a0, b0, c0, d0].map(function (word) {
      var hex = "";
      for (var n = 0; n < 4; n++) { hex += ((word >>> (n * 8)) & 255).toString(16).padStart(2, "0"); }
      return hex;
    }).join("");
  }

  // ---------------------------------------------------------------- small DOM helpers
  // h("tag.class", {attributes, on: {event: fn}}, children...) builds an element.
  function h(spec, props) {
    var parts = spec.split(".");
    var element = document.createElement(parts[0] || "div");
    if (parts.length > 1) { element.className = parts.slice(1).join(" "); }
    var children = Array.prototype.slice.call(arguments, 2);
    if (props && (typeof props !== "object" || props instanceof Node || Array.isArray(props))) {
      children.unshift(props);
      props = null;
    }
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (key === "on") {
        Object.keys(value).forEach(function (name) { element.addEventListener(name, value[name]); });
      } else if (key === "text") {
        element.textContent = value;
      } else if (key in element && key !== "list" && key !== "form") {
        element[key] = value;
      } else if (value !== false && value !== null && value !== undefined) {
        element.setAttribute(key, value === true ? "" : value);
      }
    });
    add(element, children);
    return element;
  }
  function add(element, children) {
    children.forEach(function (child) {
      if (child === null || child === undefined || child === false) { return; }
      if (Array.isArray(child)) { add(element, child); return; }
      element.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return element;
  }
  function clear(element) { while (element.firstChild) { element.removeChild(element.firstChild); } return element; }
  var fieldCount = 0;
  // A labelled field: the label names the control, as people and tests find it.
  function field(label, control, help) {
    var id = control.id || ("field" + (++fieldCount));
    control.id = id;
    var isBox = control.type === "checkbox";
    return h("div.field" + (isBox ? ".check" : ""),
      isBox ? [control, h("label", { htmlFor: id, text: label })] : [h("label", { htmlFor: id, text: label }), control],
      help ? h("small", { text: help }) : null);
  }
  function button(label, onClick, kind) {
    return h("button" + (kind ? "." + kind : ""), { type: "button", text: label, on: { click: onClick } });
  }
  function table(headers, rows, empty) {
    if (!rows.length) { return h("p.empty", { text: empty || "Nothing here yet." }); }
    return h("div.scroll", h("table",
      h("thead", h("tr", headers.map(function (title) { return h("th", { text: title }); }))),
      h("tbody", rows.map(function (cells) {
        return h("tr", cells.map(function (cell) {
          // Long text (paths, URLs, messages) may wrap anywhere; short cells keep their words whole.
          var long = !(cell instanceof Node) && String(cell).length > 32;
          return h("td" + (long ? ".long" : ""), cell instanceof Node ? cell : String(cell));
        }));
      }))));
  }
  function section(title) {
    return h("section.card", h("h2", { text: title }), Array.prototype.slice.call(arguments, 1));
  }
  // A form card whose buttons act themselves: pressing Enter never reloads the page.
  function formCard() {
    return h("form.card", { on: { submit: function (event) { event.preventDefault(); } } }, Array.prototype.slice.call(arguments));
  }
  // "key: value, ..." of a configuration entry, leaving out the members named in `skip`.
  function summary(entry, skip) {
    return Object.keys(entry).filter(function (key) { return skip.indexOf(key) < 0; })
      .map(function (key) { return key + ": " + (typeof entry[key] === "object" ? JSON.stringify(entry[key]) : entry[key]); }).join(", ");
  }
  function bits(value) {
    var units = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s"], n = (value || 0) * 8, unit = 0;
    while (n >= 1000 && unit < units.length - 1) { n /= 1000; unit++; }
    return n.toFixed(unit ? 1 : 0) + " " + units[unit];
  }
  function bytes(value) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"], n = value || 0, unit = 0;
    while (n >= 1024 && unit < units.length - 1) { n /= 1024; unit++; }
    return n.toFixed(unit ? 1 : 0) + " " + units[unit];
  }
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var d = Math.floor(seconds / 86400), hr = Math.floor(seconds / 3600) % 24, m = Math.floor(seconds / 60) % 60;
    return (d ? d + "d " : "") + (d || hr ? hr + "h " : "") + m + "m " + (seconds % 60) + "s";
  }
  function clock(unix) { return new Date(unix * 1000).toLocaleTimeString(); }

  // ---------------------------------------------------------------- the API
  var state = {
    user: sessionStorage.getItem("mistswift.user") || "",
    hash: sessionStorage.getItem("mistswift.hash") || "",
    challenge: "", local: false, caps: null, config: null,
    logs: [], accesses: [], streams: {}, socket: null, socketReady: false,
    listeners: [], timers: [], page: ""
  };
  function LoginNeeded(auth) { this.auth = auth || {}; }

  // Sends one command object (with the login proof once a challenge is known); the reply's
  // `authorize` decides whether the login page must show.
  function api(command, retried) {
    var request = Object.assign({}, command);
    if (state.hash && state.challenge && !request.authorize) {
      request.authorize = { username: state.user, password: md5(state.hash + state.challenge) };
    }
    return fetch("api", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request),
      credentials: "same-origin", cache: "no-store"
    }).then(function (response) {
      if (!response.ok) { throw new Error("The server answered " + response.status + " " + response.statusText); }
      return response.json();
    }).then(function (reply) {
      var auth = reply.authorize || {};
      if (auth.challenge) { state.challenge = auth.challenge; }
      if (auth.status === "OK") { state.local = !!auth.local; return reply; }
      if (auth.status === "CHALL" && state.hash && !retried && !command.authorize) { return api(command, true); }
      if (auth.status === "ACC_MADE") { return reply; }
      throw new LoginNeeded(auth);
    });
  }
  // An API call whose failure is shown: login problems go to the login page, every other
  // error (and every `error` member of a reply) to the message bar.
  function call(command) {
    return api(command).then(function (reply) {
      var errors = [].concat(reply.error || []);
      if (errors.length) { notify(errors.join("; "), true); }
      return reply;
    }, function (problem) {
      if (problem instanceof LoginNeeded) { showLogin(problem.auth); } else { notify(String(problem.message || problem), true); }
      throw problem;
    });
  }
  function notify(message, isError) {
    var bar = document.getElementById("message");
    if (!bar) { return; }
    bar.textContent = message;
    bar.className = isError ? "error" : "ok";
    clearTimeout(notify.timer);
    notify.timer = setTimeout(function () { bar.className = "hidden"; }, isError ? 12000 : 4000);
  }
  // Problems found before sending (forms validate first).
  function Invalid(message) { this.message = message; }

  // ---------------------------------------------------------------- the WebSocket API
  // Logs, ended sessions and stream changes arrive as they happen (MistServer's /ws).
  function connectSocket() {
    if (state.socket) { return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws?logs=100&accs=100&streams=1");
    state.socket = socket;
    var tried = false;
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      var kind = message[0], body = message[1];
      if (kind === "auth") {
        if (body === true || (body && body.status === "OK")) {
          state.socketReady = true;
          emit("socket");
        } else if (body === false || (body && body.challenge && !tried)) {
          if (body && body.challenge) { state.challenge = body.challenge; tried = body !== false; }
          if (state.hash && state.challenge) {
            socket.send(JSON.stringify(["auth", { username: state.user, password: md5(state.hash + state.challenge) }]));
          } else {
            socket.send(JSON.stringify(["auth", { username: state.user, password: "" }]));
          }
        }
      } else if (kind === "log") {
        state.logs.push(body);
        if (state.logs.length > 500) { state.logs.splice(0, state.logs.length - 500); }
        emit("log", body);
      } else if (kind === "access") {
        state.accesses.push(body);
        if (state.accesses.length > 200) { state.accesses.splice(0, state.accesses.length - 200); }
        emit("access", body);
      } else if (kind === "stream") {
        if (body[1] === 0) { delete state.streams[body[0]]; } else { state.streams[body[0]] = body; }
        emit("stream", body);
      }
    };
    socket.onclose = function () {
      state.socket = null;
      state.socketReady = false;
      emit("socket");
      if (state.loggedIn) { setTimeout(connectSocket, 3000); }
    };
  }
  function emit(kind, body) {
    state.listeners.forEach(function (listener) { if (listener.kind === kind) { listener.handle(body); } });
  }
  // Listeners and timers belong to the page shown; they end when another page opens.
  function listen(kind, handle) { state.listeners.push({ kind: kind, handle: handle }); }
  function every(milliseconds, action) { action(); state.timers.push(setInterval(action, milliseconds)); }

  var statusNames = { 0: "Offline", 1: "Initializing", 2: "Booting", 3: "Waiting for data", 4: "Online", 5: "Shutting down", 255: "Invalid" };
  function streamState(name) {
    var row = state.streams[name];
    if (!row && name.indexOf("+") < 0) {
      // A wildcard stream is shown by its base name with the children's viewers summed.
      var children = Object.keys(state.streams).filter(function (key) { return key.indexOf(name + "+") === 0; });
      if (children.length) {
        var viewers = children.reduce(function (sum, key) { return sum + state.streams[key][2]; }, 0);
        return { status: "Online (" + children.length + " active)", code: 4, viewers: viewers, inputs: 0, outputs: 0 };
      }
    }
    if (!row) { return { status: "Offline", code: 0, viewers: 0, inputs: 0, outputs: 0 }; }
    return { status: statusNames[row[1]] || String(row[1]), code: row[1], viewers: row[2], inputs: row[3], outputs: row[4] };
  }
  function statusBadge(code, text) {
    return h("span.badge.s" + (code === 4 ? "ok" : code === 0 ? "off" : "wait"), { text: text });
  }

  // ---------------------------------------------------------------- forms from capabilities
  // Fields for a connector's, input's or process's `required` and `optional` options, as their
  // `-j` capabilities describe them; read() validates and returns the values set.
  function optionForm(spec, values) {
    values = values || {};
    var rows = [];
    var controls = [];
    function addOptions(options, required) {
      Object.keys(options || {}).forEach(function (key) {
        var option = options[key], type = option.type, control;
        var current = key in values ? values[key] : undefined;
        if (type === "select" && Array.isArray(option.select)) {
          control = h("select", h("option", { value: "", text: required ? "Choose…" : "Default" }),
            option.select.map(function (item) {
              var value = Array.isArray(item) ? item[0] : item, label = Array.isArray(item) ? item[1] : item;
              return h("option", { value: String(value), text: String(label) });
            }));
          if (current !== undefined) { control.value = String(current); }
          else if (required && option["default"] !== undefined) { control.value = String(option["default"]); }
        } else if (!type || type === "boolean") {
          control = h("input", { type: "checkbox" });
          control.checked = !!current;
        } else if (type === "json" || type === "sublist" || type === "inputlist" || type === "list") {
          // A sublist (Livepeer's profiles) is a JSON array of objects with the fields it lists.
          control = h("textarea", { rows: 3 });
          var asJSON = type === "json" || type === "sublist";
          if (current !== undefined) {
            control.value = asJSON ? JSON.stringify(current, null, 2) : [].concat(current).join("\n");
          } else if (type === "sublist") {
            var fields = Object.keys((option.required || {})).concat(Object.keys(option.optional || {}));
            control.placeholder = "[{" + fields.map(function (f) { return "\"" + f + "\": …"; }).join(", ") + "}]";
          }
        } else {
          var numeric = type === "uint" || type === "int" || type === "debug";
          control = h("input", { type: numeric ? "number" : "text" });
          if (numeric) { control.step = "1"; if (type !== "int") { control.min = "0"; } }
          if (current !== undefined) { control.value = String(current); }
          if (option["default"] !== undefined && option["default"] !== "") { control.placeholder = String(option["default"]); }
        }
        // Capabilities name the log level option plainly "debug"; units go with the label.
        var name = key === "debug" && (!option.name || option.name === "debug") ? "Debug level" : (option.name || key);
        if (option.unit) { name += " (" + option.unit + ")"; }
        var label = name + (required ? " (required)" : "");
        var help = option.help || "";
        rows.push(field(label, control, help));
        controls.push({ key: key, option: option, required: required, control: control, label: name });
      });
    }
    addOptions(spec && spec.required, true);
    addOptions(spec && spec.optional, false);
    return {
      element: h("div.options", rows),
      read: function () {
        var result = {};
        controls.forEach(function (entry) {
          var control = entry.control, type = entry.option.type;
          if (control.type === "checkbox") { if (control.checked) { result[entry.key] = true; } return; }
          var text = control.value.trim();
          if (!text) {
            if (entry.required) { throw new Invalid(entry.label + " is required."); }
            return;
          }
          if (type === "uint" || type === "int" || type === "debug") {
            if (!/^-?\d+$/.test(text) || (type !== "int" && Number(text) < 0)) {
              throw new Invalid(entry.label + " must be a whole number" + (type === "int" ? "." : " of 0 or more."));
            }
            result[entry.key] = Number(text);
          } else if (type === "json" || type === "sublist") {
            try { result[entry.key] = JSON.parse(text); } catch (e) { throw new Invalid(entry.label + " is not valid JSON."); }
            if (type === "sublist" && !Array.isArray(result[entry.key])) {
              throw new Invalid(entry.label + " must be a JSON list of " + (entry.option.itemLabel || "item") + "s.");
            }
          } else if (type === "float") {
            if (!isFinite(Number(text))) { throw new Invalid(entry.label + " must be a number."); }
            result[entry.key] = Number(text);
          } else if (type === "inputlist" || type === "list") {
            result[entry.key] = text.split(/\n+/).map(function (item) { return item.trim(); }).filter(Boolean);
          } else if (entry.option.select && /^\d+$/.test(text) && typeof entry.option["default"] === "number") {
            result[entry.key] = Number(text);
          } else {
            result[entry.key] = text;
          }
        });
        return result;
      }
    };
  }
  // Runs a form's action, showing a validation problem beside the form instead of sending.
  function submit(errorBox, action) {
    errorBox.textContent = "";
    try {
      return Promise.resolve(action()).catch(function (problem) {
        if (problem instanceof Invalid) { errorBox.textContent = problem.message; }
      });
    } catch (problem) {
      if (problem instanceof Invalid) { errorBox.textContent = problem.message; return Promise.resolve(); }
      throw problem;
    }
  }
  function loadBasics() {
    return call({ capabilities: true, config: true, streams: true }).then(function (reply) {
      state.caps = reply.capabilities || {};
      state.config = reply.config || {};
      state.streamConfig = reply.streams || {};
      var name = document.getElementById("servername");
      if (name) { name.textContent = state.config.serverid || ""; }
      return reply;
    });
  }
  function httpBase() {
    var protocols = (state.config && state.config.protocols) || [];
    var http = protocols.filter(function (entry) { return entry.connector === "HTTP"; })[0];
    var spec = state.caps && state.caps.connectors && state.caps.connectors.HTTP;
    var port = (http && http.port) || (spec && spec.optional && spec.optional.port && spec.optional.port["default"]) || 8080;
    return location.protocol + "//" + location.hostname + ":" + port;
  }

  // ---------------------------------------------------------------- pages
  var pages = {};
  var order = [
    ["overview", "Overview"], ["protocols", "Protocols"], ["streams", "Streams"], ["pushes", "Pushes"],
    ["triggers", "Triggers"], ["variables", "Variables"], ["writers", "External writers"], ["logs", "Logs"],
    ["statistics", "Statistics"], ["sessions", "Sessions"], ["settings", "General settings"], ["backup", "Backup"]
  ];

  pages.overview = function (main) {
    var cards = h("div.cards");
    var streamsBox = h("div");
    var problems = h("div");
    add(main, [h("h1", { text: "Overview" }), cards, section("Active streams", streamsBox), section("Recent problems", problems)]);
    function drawStreams() {
      var names = Object.keys(state.streams).sort();
      clear(streamsBox).appendChild(table(["Stream", "Status", "Viewers", "Inputs", "Outputs"], names.map(function (name) {
        var row = streamState(name);
        return [h("a", { href: "#streams/preview/" + encodeURIComponent(name), text: name }), statusBadge(row.code, row.status),
          String(row.viewers), String(row.inputs), String(row.outputs)];
      }), "No stream is active."));
    }
    function drawProblems() {
      var recent = state.logs.filter(function (entry) { return /^(FAIL|ERROR|WARN)$/.test(entry[1]); }).slice(-8).reverse();
      clear(problems).appendChild(table(["Time", "Kind", "Message"], recent.map(function (entry) {
        return [clock(entry[0]), entry[1], entry[2]];
      }), "No problems logged recently."));
    }
    listen("stream", drawStreams);
    listen("socket", drawStreams);
    listen("log", drawProblems);
    drawStreams();
    drawProblems();
    every(2000, function () {
      call({ capabilities: true, version: true, streams: true, totals: { fields: ["clients", "downbps", "upbps"], start: -5 } })
        .then(function (reply) {
          var caps = reply.capabilities || {}, mem = caps.mem || {}, totals = reply.totals || {};
          var last = (totals.data && totals.data[totals.data.length - 1]) || [0, 0, 0];
          var viewers = Object.keys(state.streams).reduce(function (sum, key) { return sum + state.streams[key][2]; }, 0);
          var figures = [
            ["Version", (reply.version && (reply.version.release || reply.version.version)) || ""],
            ["Uptime", duration(caps.uptime)],
            ["CPU", ((caps.cpu_use || 0) / 10).toFixed(1) + " %"],
            ["Memory", bytes((mem.used || 0) * 1024 * 1024) + " of " + bytes((mem.total || 0) * 1024 * 1024)],
            ["Streams", Object.keys(state.streams).length + " active of " + Object.keys(reply.streams || {}).length + " configured"],
            ["Viewers", String(viewers)],
            ["Bandwidth", bits(last[2]) + " out, " + bits(last[1]) + " in"]
          ];
          clear(cards);
          figures.forEach(function (figure) {
            cards.appendChild(h("div.figure", h("span.label", { text: figure[0] }), h("span.value", { text: figure[1] })));
          });
        }).catch(function () {});
    });
  };

  pages.protocols = function (main, route) {
    return loadBasics().then(function () {
      var connectors = state.caps.connectors || {};
      var protocols = state.config.protocols || [];
      if (route[1] === "new" || route[1] === "edit") {
        var index = Number(route[2]);
        var existing = route[1] === "edit" ? protocols[index] : null;
        if (route[1] === "edit" && !existing) { location.hash = "#protocols"; return; }
        var chooser = h("select", h("option", { value: "", text: "Choose a protocol…" }),
          Object.keys(connectors).sort().map(function (name) {
            return h("option", { value: name, text: connectors[name].friendly || name });
          }));
        if (existing) { chooser.value = existing.connector; chooser.disabled = true; }
        var optionsBox = h("div"), errorBox = h("p.formerror"), form;
        function choose() {
          clear(optionsBox);
          var spec = connectors[chooser.value];
          if (!spec) { form = null; return; }
          optionsBox.appendChild(h("p.help", { text: spec.desc || "" }));
          form = optionForm(spec, existing || {});
          optionsBox.appendChild(form.element);
        }
        chooser.addEventListener("change", choose);
        choose();
        add(main, [h("h1", { text: existing ? "Edit protocol" : "Add protocol" }), formCard(
          field("Protocol", chooser), optionsBox, errorBox,
          h("div.actions", button("Save", function () {
            submit(errorBox, function () {
              if (!form) { throw new Invalid("Choose a protocol first."); }
              var entry = Object.assign({ connector: chooser.value }, form.read());
              var old = existing ? Object.assign({}, existing) : null;
              if (old) { delete old.online; }
              return call(old ? { updateprotocol: [old, entry] } : { addprotocol: entry }).then(function () {
                notify("Protocol saved.");
                location.hash = "#protocols";
              });
            });
          }, "primary"), button("Cancel", function () { location.hash = "#protocols"; })))]);
        return;
      }
      var rows = protocols.map(function (entry, index) {
        var settings = summary(entry, ["connector", "online"]);
        var online = entry.online === 1 ? "Active" : entry.online === 0 ? "Starting or stopped" : String(entry.online || "");
        return [entry.connector, settings || "defaults", statusBadge(entry.online === 1 || entry.online === "Enabled" ? 4 : 3, online),
          h("span.rowactions", button("Edit", function () { location.hash = "#protocols/edit/" + index; }),
            button("Delete", function () {
              if (!confirm("Delete the " + entry.connector + " protocol?")) { return; }
              var old = Object.assign({}, entry);
              delete old.online;
              call({ deleteprotocol: old }).then(function () { notify("Protocol deleted."); render(); });
            }, "danger"))];
      });
      add(main, [h("h1", { text: "Protocols" }),
        h("div.actions", button("Add protocol", function () { location.hash = "#protocols/new"; }, "primary"),
          button("Enable default protocols", function () {
            var have = protocols.map(function (entry) { return entry.connector; });
            var missing = Object.keys(connectors).filter(function (name) {
              var spec = connectors[name];
              return have.indexOf(name) < 0 && !(spec.required && Object.keys(spec.required).length);
            }).map(function (name) { return { connector: name }; });
            if (!missing.length) { notify("Every protocol that needs no settings is enabled."); return; }
            call({ addprotocol: missing }).then(function () { notify("Enabled " + missing.length + " protocols."); render(); });
          })),
        section("Configured protocols", table(["Protocol", "Settings", "Status", ""], rows, "No protocol is configured."))]);
    });
  };

  function inputFor(source) {
    var inputs = (state.caps && state.caps.inputs) || {}, best = null;
    Object.keys(inputs).forEach(function (name) {
      var spec = inputs[name];
      [].concat(spec.source_match || []).forEach(function (pattern) {
        var expression = new RegExp("^" + pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*") + "$");
        if (expression.test(source) && (!best || (spec.priority || 0) > (best.priority || 0))) { best = spec; best.key = name; }
      });
    });
    return best;
  }

  pages.streams = function (main, route) {
    return loadBasics().then(function () {
      var streams = state.streamConfig || {};
      var name = route[2] ? decodeURIComponent(route[2]) : "";
      if (route[1] === "new" || route[1] === "edit") { return streamForm(main, route[1] === "edit" ? streams[name] : null); }
      if (route[1] === "preview") { return streamPreview(main, name, streams[name]); }
      var names = Object.keys(streams).sort();
      var box = h("div");
      function draw() {
        clear(box).appendChild(table(["Stream", "Source", "Status", "Viewers", ""], names.map(function (stream) {
          var live = streamState(stream);
          return [h("a", { href: "#streams/preview/" + encodeURIComponent(stream), text: stream }), streams[stream].source || "",
            statusBadge(live.code, live.status), String(live.viewers),
            h("span.rowactions",
              button("Preview", function () { location.hash = "#streams/preview/" + encodeURIComponent(stream); }),
              button("Edit", function () { location.hash = "#streams/edit/" + encodeURIComponent(stream); }),
              button("Stop", function () {
                if (!confirm("Stop every process of " + stream + " now (nuke)?")) { return; }
                call({ nuke_stream: stream }).then(function () { notify("Stopped " + stream + "."); });
              }),
              button("Delete", function () {
                if (!confirm("Delete the stream " + stream + "?")) { return; }
                call({ deletestream: [stream] }).then(function () { notify("Deleted " + stream + "."); render(); });
              }, "danger"))];
        }), "No stream is configured. Add one with New stream."));
      }
      listen("stream", draw);
      draw();
      add(main, [h("h1", { text: "Streams" }), h("div.actions", button("New stream", function () { location.hash = "#streams/new"; }, "primary")),
        section("Configured streams", box)]);
    });
  };

  function streamForm(main, existing) {
    var nameInput = h("input", { type: "text", autocomplete: "off", placeholder: "live" });
    var sourceInput = h("input", { type: "text", autocomplete: "off", placeholder: "push:// or /path/to/file.mp4" });
    var stopSessions = h("input", { type: "checkbox" });
    if (existing) { nameInput.value = existing.name; sourceInput.value = existing.source || ""; }
    var optionsBox = h("div"), errorBox = h("p.formerror"), form = null, inputName = "";
    function refreshInput() {
      var input = inputFor(sourceInput.value.trim());
      var key = input ? input.key : "";
      if (key === inputName && form) { return; }
      inputName = key;
      clear(optionsBox);
      if (!input) {
        form = null;
        if (sourceInput.value.trim()) { optionsBox.appendChild(h("p.help", { text: "No input recognises this source yet." })); }
        return;
      }
      optionsBox.appendChild(h("p.help", { text: "Input: " + (input.name || key) + ". " + (input.desc || "") }));
      form = optionForm({ optional: input.optional }, existing || {});
      optionsBox.appendChild(form.element);
    }
    sourceInput.addEventListener("input", refreshInput);
    refreshInput();

    // Stream processes (MistProc*): the list kept in the stream's configuration, each added
    // through a form built from that process's -j capabilities.
    var processes = JSON.parse(JSON.stringify((existing && existing.processes) || []));
    var kinds = (state.caps && state.caps.processes) || {};
    var processList = h("div"), processForm = h("div"), processError = h("p.formerror"), pending = null;
    var kindChooser = h("select", h("option", { value: "", text: "Choose a process…" }),
      Object.keys(kinds).sort().map(function (name) { return h("option", { value: name, text: kinds[name].friendly || name }); }));
    function drawProcesses() {
      clear(processList).appendChild(table(["Process", "Settings", ""], processes.map(function (entry, index) {
        var settings = summary(entry, ["process"]);
        return [entry.process, settings, button("Remove", function () { processes.splice(index, 1); drawProcesses(); }, "danger")];
      }), "No process runs for this stream."));
    }
    kindChooser.addEventListener("change", function () {
      clear(processForm);
      var spec = kinds[kindChooser.value];
      pending = spec ? optionForm(spec, {}) : null;
      if (pending) { processForm.appendChild(h("p.help", { text: spec.desc || "" })); processForm.appendChild(pending.element); }
    });
    drawProcesses();
    var processSection = h("fieldset", h("legend", { text: "Processes" }), processList,
      field("Process type", kindChooser), processForm, processError,
      h("div.actions", button("Add process", function () {
        submit(processError, function () {
          if (!pending) { throw new Invalid("Choose a process type first."); }
          processes.push(Object.assign({ process: kindChooser.value }, pending.read()));
          kindChooser.value = "";
          clear(processForm);
          pending = null;
          drawProcesses();
        });
      })));
    add(main, [h("h1", { text: existing ? "Edit stream " + existing.name : "New stream" }),
      formCard(
        field("Name", nameInput, "Letters, digits and _ . - only; viewers use it in every URL."),
        field("Source", sourceInput, "push:// to accept pushes, a file or folder path, or a URL such as rtmp://, rtsp://, srt://, http(s)://."),
        optionsBox,
        processSection,
        existing ? field("Stop sessions", stopSessions, "Disconnect the viewers of the old configuration when saving.") : null,
        errorBox,
        h("div.actions", button("Save", function () {
          submit(errorBox, function () {
            var name = nameInput.value.trim(), source = sourceInput.value.trim();
            if (!name) { throw new Invalid("Name is required."); }
            if (!/^[A-Za-z0-9_.\-]+$/.test(name)) { throw new Invalid("Name may only hold letters, digits, _ . and -."); }
            if (!source) { throw new Invalid("Source is required."); }
            if (!existing && state.streamConfig[name]) { throw new Invalid("A stream named " + name + " exists already."); }
            var entry = Object.assign({ name: name, source: source }, form ? form.read() : {});
            if (processes.length) { entry.processes = processes; }
            var command = { addstream: {} };
            command.addstream[name] = entry;
            if (existing && existing.name !== name) { command.deletestream = [existing.name]; }
            if (existing && stopSessions.checked) { command.stop_sessions = existing.name; }
            return call(command).then(function (reply) {
              if (reply.streams && !reply.streams[name] && !(reply.addstream && reply.addstream[name])) {
                if (reply.error) { return; }
              }
              notify("Stream " + name + " saved.");
              location.hash = "#streams";
            });
          });
        }, "primary"), button("Cancel", function () { location.hash = "#streams"; })))]);
  }

  function streamPreview(main, name, config) {
    if (!config) { add(main, h("p.empty", { text: "There is no stream named " + name + "." })); return; }
    var base = httpBase();
    var playerBox = h("div.player", { id: "preview" });
    var urls = h("div", h("p.help", { text: "Asking the HTTP output which ways it plays this stream…" }));
    var embed = '<div class="mistvideo" id="' + name.replace(/[^A-Za-z0-9_-]/g, "_") + '_player">\n' +
      '  <noscript><a href="' + base + "/" + encodeURIComponent(name) + '.html" target="_blank">Click here to play this video</a></noscript>\n' +
      '  <script>\n    var a = function () {\n      mistPlay(' + JSON.stringify(name) + ', {\n        target: document.getElementById(' +
      JSON.stringify(name.replace(/[^A-Za-z0-9_-]/g, "_") + "_player") + ')\n      });\n    };\n' +
      '    if (!window.mistplayers) {\n      var p = document.createElement("script");\n      p.src = "' + base + '/player.js";\n' +
      '      document.head.appendChild(p);\n      p.onload = a;\n    } else { a(); }\n  </script>\n</div>';
    var live = streamState(name);
    var statusLine = h("p", "Status: ", statusBadge(live.code, live.status), " · viewers: " + live.viewers);
    listen("stream", function () {
      var now = streamState(name);
      clear(statusLine);
      add(statusLine, ["Status: ", statusBadge(now.code, now.status), " · viewers: " + now.viewers]);
    });
    var keysBox = h("div");
    add(main, [h("h1", { text: "Stream " + name }), statusLine,
      h("div.actions", button("Edit", function () { location.hash = "#streams/edit/" + encodeURIComponent(name); }),
        button("Back to streams", function () { location.hash = "#streams"; })),
      section("Preview", playerBox),
      section("Embed code", field("Embed code", h("textarea.code", { rows: 12, readOnly: true, value: embed }))),
      section("URLs", urls),
      section("Stream keys", keysBox)]);
    // The preview plays through the HTTP output's own /player.js, as any page embedding it would.
    function play() {
      window.mistPreview = window.mistPlay(name, { target: playerBox, host: base, autoplay: true, muted: true, controls: true });
    }
    if (window.mistPlay) { play(); } else {
      var script = h("script", { src: base + "/player.js" });
      script.onload = play;
      script.onerror = function () { playerBox.textContent = "The HTTP output at " + base + " did not answer; is the HTTP protocol enabled?"; };
      document.head.appendChild(script);
    }
    fetch(base + "/json_" + encodeURIComponent(name) + ".js").then(function (response) { return response.json(); }).then(function (info) {
      var rows = (info.source || []).map(function (source) { return [source.type, h("a", { href: source.url, text: source.url, target: "_blank" })]; });
      var pushes = [];
      var protocols = state.config.protocols || [];
      if (/^push:/.test(config.source || "")) {
        protocols.forEach(function (entry) {
          var spec = (state.caps.connectors || {})[entry.connector] || {};
          var port = entry.port || (spec.optional && spec.optional.port && spec.optional.port["default"]);
          if (entry.connector === "RTMP") { pushes.push(["Push (RTMP)", "rtmp://" + location.hostname + ":" + (port || 1935) + "/live/" + name]); }
          if (entry.connector === "TSSRT" && port) { pushes.push(["Push (SRT)", "srt://" + location.hostname + ":" + port + "?streamid=" + name]); }
          if (entry.connector === "RTSP") { pushes.push(["Push (RTSP)", "rtsp://" + location.hostname + ":" + (port || 554) + "/" + name]); }
        });
      }
      clear(urls).appendChild(table(["Type", "URL"], pushes.map(function (row) { return [row[0], row[1]]; }).concat(rows),
        info.error ? "The stream is not playable now: " + info.error : "No playback URL."));
    }).catch(function () {
      clear(urls).appendChild(h("p.empty", { text: "The HTTP output at " + base + " did not answer." }));
    });
    function drawKeys() {
      call({ streamkeys: true }).then(function (reply) {
        var keys = Object.keys(reply.streamkeys || {}).filter(function (key) { return reply.streamkeys[key] === name; });
        var keyInput = h("input", { type: "text", placeholder: "a long random key" });
        clear(keysBox);
        add(keysBox, [table(["Key", ""], keys.map(function (key) {
          return [key, button("Delete", function () { call({ streamkey_del: key }).then(drawKeys); }, "danger")];
        }), "No stream key; pushes must use the stream's name."),
        h("div.inline", field("New key", keyInput), button("Add key", function () {
          var key = keyInput.value.trim() || Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(12)), function (b) {
            return b.toString(16).padStart(2, "0");
          }).join("");
          var command = { streamkey_add: {} };
          command.streamkey_add[key] = name;
          call(command).then(drawKeys);
        }))]);
      }).catch(function () {});
    }
    drawKeys();
  }

  pages.pushes = function (main) {
    return Promise.all([loadBasics(), call({ push_list: true, push_auto_list: true, push_settings: true })]).then(function (replies) {
      var reply = replies[1];
      var streams = Object.keys(state.streamConfig || {}).sort();
      var list = h("datalist", { id: "streamnames" }, streams.map(function (name) { return h("option", { value: name }); }));
      var active = (reply.push_list || []).map(function (push) {
        var status = push[5] || {};
        var progress = status.mediatime !== undefined ? duration(status.mediatime / 1000) + " of media" : (status.active_seconds ? duration(status.active_seconds) : "");
        return [String(push[0]), push[1], push[3] || push[2], progress, button("Stop", function () {
          call({ push_stop: [push[0]] }).then(function () { notify("Push " + push[0] + " stopped."); setTimeout(render, 500); });
        }, "danger")];
      });
      var autos = reply.auto_push || {};
      var autoRows = Object.keys(autos).map(function (id) {
        var rule = autos[id];
        return [rule.stream, rule.target, [rule.scheduletime ? "from " + new Date(rule.scheduletime * 1000).toLocaleString() : "",
          rule.completetime ? "until " + new Date(rule.completetime * 1000).toLocaleString() : ""].join(" ").trim() || "always",
          button("Remove", function () { call({ push_auto_remove: id }).then(render); }, "danger")];
      });
      function pushForm(title, buttonLabel, send) {
        var stream = h("input", { type: "text", list: "streamnames", autocomplete: "off" });
        var target = h("input", { type: "text", placeholder: "/recordings/$stream_$datetime.ts or rtmp://host/app/key" });
        var errorBox = h("p.formerror");
        return formCard( h("h2", { text: title }),
          field(title === "Start a push" ? "Stream" : "Stream or tag", stream), field("Target", target, "A file path (with variables such as $stream and $datetime) or a URL."),
          errorBox, h("div.actions", button(buttonLabel, function () {
            submit(errorBox, function () {
              if (!stream.value.trim()) { throw new Invalid("Stream is required."); }
              if (!target.value.trim()) { throw new Invalid("Target is required."); }
              return send(stream.value.trim(), target.value.trim());
            });
          }, "primary")));
      }
      var settings = reply.push_settings || {};
      var wait = h("input", { type: "number", min: "0", step: "1", value: settings.wait !== undefined ? settings.wait : "" });
      var speed = h("input", { type: "number", min: "0", step: "1", value: settings.maxspeed !== undefined ? settings.maxspeed : "" });
      // Running pushes show their progress as it goes; the page reads the list again while any runs.
      if (active.length && state.page === "pushes") {
        state.timers.push(setTimeout(function () { if (state.page === "pushes" && !main.contains(document.activeElement)) { render(); } }, 2000));
      }
      add(main, [h("h1", { text: "Pushes" }), list,
        section("Active pushes", table(["ID", "Stream", "Target", "Progress", ""], active, "No push is running.")),
        pushForm("Start a push", "Start push", function (stream, target) {
          return call({ push_start: { stream: stream, target: target } }).then(function () {
            notify("Push of " + stream + " started.");
            setTimeout(render, 800);
          });
        }),
        section("Automatic pushes", table(["Stream", "Target", "When", ""], autoRows, "No automatic push rule.")),
        pushForm("Add an automatic push", "Add automatic push", function (stream, target) {
          return call({ push_auto_add: { stream: stream, target: target } }).then(render);
        }),
        formCard( h("h2", { text: "Push settings" }),
          field("Delay before retry (s)", wait), field("Maximum starts per second", speed),
          h("div.actions", button("Save push settings", function () {
            call({ push_settings: { wait: Number(wait.value || 0), maxspeed: Number(speed.value || 0) } }).then(function () { notify("Push settings saved."); });
          })))]);
    });
  };

  pages.triggers = function (main, route) {
    return loadBasics().then(function () {
      var catalogue = state.caps.triggers || {};
      var triggers = JSON.parse(JSON.stringify(state.config.triggers || {}));
      function save(message) {
        return call({ config: { triggers: triggers } }).then(function () { notify(message); location.hash = "#triggers"; render(); });
      }
      if (route[1] === "new" || route[1] === "edit") {
        var editing = route[1] === "edit" ? { name: decodeURIComponent(route[2]), index: Number(route[3]) } : null;
        var entry = editing && triggers[editing.name] ? triggers[editing.name][editing.index] : null;
        if (Array.isArray(entry)) { entry = { handler: entry[0], sync: entry[1], streams: entry[2] }; }
        entry = entry || {};
        var chooser = h("select", h("option", { value: "", text: "Choose a trigger…" }), Object.keys(catalogue).sort().map(function (name) {
          return h("option", { value: name, text: name });
        }));
        if (editing) { chooser.value = editing.name; }
        var about = h("p.help");
        function describe() {
          var info = catalogue[chooser.value];
          about.textContent = info ? (info.when || "") + (info.response ? " Response: " + info.response : "") : "";
        }
        chooser.addEventListener("change", describe);
        describe();
        var handler = h("input", { type: "text", value: entry.handler || "", placeholder: "http://example.com/hook or /usr/local/bin/hook" });
        var sync = h("input", { type: "checkbox" });
        sync.checked = !!entry.sync;
        var streams = h("input", { type: "text", value: (entry.streams || []).join(", "), placeholder: "all streams" });
        var params = h("input", { type: "text", value: entry.params || "" });
        var fallback = h("input", { type: "text", value: entry["default"] || "" });
        var errorBox = h("p.formerror");
        add(main, [h("h1", { text: editing ? "Edit trigger" : "Add trigger" }),
          formCard(
            field("Trigger", chooser), about,
            field("Handler", handler, "A URL that gets the payload as a POST, or an executable that reads it on standard input."),
            field("Blocking", sync, "Wait for the handler's answer, which can refuse the action."),
            field("Streams", streams, "Comma-separated; empty for every stream."),
            field("Parameters", params, "Only some triggers use it (LIVE_BANDWIDTH's limit)."),
            field("Default response", fallback, "Used when a blocking handler cannot be reached."),
            errorBox,
            h("div.actions", button("Save", function () {
              submit(errorBox, function () {
                if (!chooser.value) { throw new Invalid("Choose a trigger."); }
                if (!handler.value.trim()) { throw new Invalid("Handler is required."); }
                var item = { handler: handler.value.trim(), sync: sync.checked,
                  streams: streams.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean) };
                if (params.value.trim()) { item.params = params.value.trim(); }
                if (fallback.value.trim()) { item["default"] = fallback.value.trim(); }
                if (editing && triggers[editing.name]) { triggers[editing.name].splice(editing.index, 1); }
                (triggers[chooser.value] = triggers[chooser.value] || []).push(item);
                if (editing && triggers[editing.name] && !triggers[editing.name].length) { delete triggers[editing.name]; }
                return save("Trigger saved.");
              });
            }, "primary"), button("Cancel", function () { location.hash = "#triggers"; })))]);
        return;
      }
      var rows = [];
      Object.keys(triggers).sort().forEach(function (name) {
        (triggers[name] || []).forEach(function (item, index) {
          var entry = Array.isArray(item) ? { handler: item[0], sync: item[1], streams: item[2] } : item;
          rows.push([name, entry.handler, entry.sync ? "yes" : "no", (entry.streams || []).join(", ") || "all", entry["default"] || "",
            h("span.rowactions", button("Edit", function () { location.hash = "#triggers/edit/" + encodeURIComponent(name) + "/" + index; }),
              button("Delete", function () {
                if (!confirm("Delete this " + name + " trigger?")) { return; }
                triggers[name].splice(index, 1);
                if (!triggers[name].length) { delete triggers[name]; }
                save("Trigger deleted.");
              }, "danger"))]);
        });
      });
      add(main, [h("h1", { text: "Triggers" }), h("div.actions", button("Add trigger", function () { location.hash = "#triggers/new"; }, "primary")),
        section("Configured triggers", table(["Trigger", "Handler", "Blocking", "Streams", "Default", ""], rows, "No trigger is configured."))]);
    });
  };

  pages.variables = function (main) {
    return call({ variable_list: true }).then(function (reply) {
      var variables = reply.variable_list || {};
      var rows = Object.keys(variables).sort().map(function (name) {
        var entry = variables[name];
        return ["$" + name, entry.value !== undefined ? String(entry.value) : "", entry.target || "", entry.interval ? entry.interval + " s" : "",
          entry.lastunix ? clock(entry.lastunix) : "", button("Remove", function () { call({ variable_remove: name }).then(render); }, "danger")];
      });
      var name = h("input", { type: "text" }), value = h("input", { type: "text" }), target = h("input", { type: "text" });
      var interval = h("input", { type: "number", min: "0", step: "any" }), wait = h("input", { type: "number", min: "0", step: "any" });
      var errorBox = h("p.formerror");
      add(main, [h("h1", { text: "Variables" }),
        section("Custom variables", table(["Variable", "Value", "Target", "Interval", "Updated", ""], rows, "No custom variable.")),
        formCard( h("h2", { text: "Add a variable" }),
          field("Variable name", name, "Used as $name in push targets and triggers."),
          field("Value", value, "A fixed value (leave the target empty)."),
          field("Target", target, "A command or http(s):// URL whose output becomes the value."),
          field("Interval (s)", interval, "How often the target runs; 0 runs it once."),
          field("Wait time (s)", wait), errorBox,
          h("div.actions", button("Add variable", function () {
            submit(errorBox, function () {
              var key = name.value.trim().replace(/^\$/, "");
              if (!/^[A-Za-z0-9_]+$/.test(key)) { throw new Invalid("Variable name may only hold letters, digits and _."); }
              var entry = { name: key };
              if (target.value.trim()) {
                entry.target = target.value.trim();
                entry.interval = Number(interval.value || 0);
                if (wait.value) { entry.waitTime = Number(wait.value); }
              } else {
                entry.value = value.value;
              }
              return call({ variable_add: entry }).then(render);
            });
          }, "primary")))]);
    });
  };

  pages.writers = function (main) {
    return call({ external_writer_list: true }).then(function (reply) {
      var rows = (reply.external_writer_list || []).map(function (writer) {
        return [writer[0], writer[1], [].concat(writer[2] || []).join(", "),
          button("Remove", function () { call({ external_writer_remove: writer[0] }).then(render); }, "danger")];
      });
      var name = h("input", { type: "text" }), command = h("input", { type: "text", placeholder: "/usr/bin/aws s3 cp - " }), schemes = h("input", { type: "text", placeholder: "s3" });
      var errorBox = h("p.formerror");
      add(main, [h("h1", { text: "External writers" }),
        section("Configured writers", table(["Name", "Command line", "Protocols", ""], rows, "No external writer.")),
        formCard( h("h2", { text: "Add an external writer" }),
          field("Writer name", name), field("Command line", command, "Gets the bytes on standard input; the target URL is its last argument."),
          field("URL protocols", schemes, "Comma-separated schemes without ://, such as s3, gs."), errorBox,
          h("div.actions", button("Add writer", function () {
            submit(errorBox, function () {
              if (!name.value.trim()) { throw new Invalid("Writer name is required."); }
              if (!command.value.trim()) { throw new Invalid("Command line is required."); }
              var list = schemes.value.split(",").map(function (s) { return s.trim().replace(/:\/\/$/, ""); }).filter(Boolean);
              if (!list.length) { throw new Invalid("Give at least one URL protocol."); }
              return call({ external_writer_add: { name: name.value.trim(), cmdline: command.value.trim(), protocols: list } }).then(render);
            });
          }, "primary")))]);
    });
  };

  pages.logs = function (main) {
    var filter = h("select", h("option", { value: "", text: "Everything" }), h("option", { value: "problems", text: "Failures, errors and warnings" }),
      ["FAIL", "ERROR", "WARN", "INFO", "CONF", "AUTH", "ACCS", "DEVEL"].map(function (kind) { return h("option", { value: kind, text: kind }); }));
    var box = h("div"), statusLine = h("p.help");
    function draw() {
      var wanted = filter.value;
      var shown = state.logs.filter(function (entry) {
        return !wanted || (wanted === "problems" ? /^(FAIL|ERROR|WARN)$/.test(entry[1]) : entry[1] === wanted);
      }).slice(-300).reverse();
      statusLine.textContent = state.socketReady ? "Live: new lines appear as they are logged." : "Connecting to the live log…";
      clear(box).appendChild(table(["Time", "Kind", "Message", "Stream", "Program"], shown.map(function (entry) {
        return [clock(entry[0]), entry[1], entry[2], entry[3] || "", entry[5] || ""];
      }), "No log lines."));
    }
    filter.addEventListener("change", draw);
    listen("log", draw);
    listen("socket", draw);
    add(main, [h("h1", { text: "Logs" }), h("div.inline", field("Show", filter), statusLine), section("Log", box)]);
    draw();
  };

  // A line chart of one or more series as SVG: [{label, points: [[unix, value]]}].
  function chart(title, series, format) {
    var width = 640, height = 180, pad = 34;
    var all = [].concat.apply([], series.map(function (s) { return s.points; }));
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("class", "chart");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", title);
    if (!all.length) { return h("div", h("h3", { text: title }), h("p.empty", { text: "No data yet." })); }
    var t0 = Math.min.apply(null, all.map(function (p) { return p[0]; })), t1 = Math.max.apply(null, all.map(function (p) { return p[0]; }));
    var top = Math.max(1, Math.max.apply(null, all.map(function (p) { return p[1]; })));
    function x(t) { return pad + (t1 > t0 ? (t - t0) / (t1 - t0) : 1) * (width - pad - 8); }
    function y(v) { return height - 20 - (v / top) * (height - 34); }
    function line(x1, y1, x2, y2, cls) {
      var element = document.createElementNS(svg.namespaceURI, "line");
      [["x1", x1], ["y1", y1], ["x2", x2], ["y2", y2], ["class", cls]].forEach(function (a) { element.setAttribute(a[0], a[1]); });
      svg.appendChild(element);
    }
    function text(tx, ty, content, anchor) {
      var element = document.createElementNS(svg.namespaceURI, "text");
      element.setAttribute("x", tx); element.setAttribute("y", ty); element.setAttribute("text-anchor", anchor || "start");
      element.textContent = content;
      svg.appendChild(element);
    }
    line(pad, y(0), width - 8, y(0), "axis");
    line(pad, y(top), width - 8, y(top), "grid");
    text(pad - 4, y(top) + 4, format(top), "end");
    text(pad - 4, y(0) + 4, format(0), "end");
    text(pad, height - 4, clock(t0));
    text(width - 8, height - 4, clock(t1), "end");
    series.forEach(function (s, index) {
      var path = document.createElementNS(svg.namespaceURI, "polyline");
      path.setAttribute("points", s.points.map(function (p) { return x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1); }).join(" "));
      path.setAttribute("class", "series s" + index);
      svg.appendChild(path);
    });
    var legend = h("p.legend", series.map(function (s, index) { return h("span.key.s" + index, { text: s.label }); }));
    return h("div", h("h3", { text: title }), svg, legend);
  }
  function totalsSeries(totals, column) {
    if (!totals || !totals.data) { return []; }
    var points = [], time = totals.start, row = 0;
    (totals.interval || []).forEach(function (run) {
      for (var n = 0; n < run[0] && row < totals.data.length; n++, row++) {
        if (n > 0 || row > 0) { time += run[1]; }
        points.push([time, totals.data[row][column]]);
      }
    });
    return points;
  }

  pages.statistics = function (main) {
    var cpu = [];
    var streamChoice = h("select", h("option", { value: "", text: "All streams" }));
    var protocolChoice = h("select", h("option", { value: "", text: "All protocols" }));
    var charts = h("div.charts");
    loadBasics().then(function () {
      Object.keys(state.streamConfig || {}).sort().forEach(function (name) { streamChoice.appendChild(h("option", { value: name, text: name })); });
      Object.keys(state.caps.connectors || {}).sort().forEach(function (name) { protocolChoice.appendChild(h("option", { value: name, text: name })); });
    }).catch(function () {});
    add(main, [h("h1", { text: "Statistics" }), h("div.inline", field("Stream", streamChoice), field("Protocol", protocolChoice)), section("Last five minutes", charts)]);
    every(2000, function () {
      var request = { fields: ["clients", "downbps", "upbps"], start: -300 };
      if (streamChoice.value) { request.streams = [streamChoice.value]; }
      if (protocolChoice.value) { request.protocols = [protocolChoice.value]; }
      call({ totals: request, capabilities: true }).then(function (reply) {
        cpu.push([Math.floor(Date.now() / 1000), (reply.capabilities.cpu_use || 0) / 10]);
        if (cpu.length > 150) { cpu.shift(); }
        clear(charts);
        add(charts, [
          chart("Viewers", [{ label: "connections", points: totalsSeries(reply.totals, 0) }], function (v) { return String(Math.round(v)); }),
          chart("Bandwidth", [{ label: "out", points: totalsSeries(reply.totals, 2) }, { label: "in", points: totalsSeries(reply.totals, 1) }], bits),
          chart("Server CPU", [{ label: "CPU %", points: cpu.slice() }], function (v) { return v.toFixed(0) + " %"; })]);
      }).catch(function () {});
    });
  };

  pages.sessions = function (main) {
    var box = h("div");
    add(main, [h("h1", { text: "Sessions" }), section("Connected sessions", box)]);
    function draw() {
      call({ clients: { fields: ["sessid", "host", "stream", "protocol", "conntime", "down", "up"] } }).then(function (reply) {
        var data = (reply.clients && reply.clients.data) || [];
        clear(box).appendChild(table(["Session", "Host", "Stream", "Protocol", "Connected", "Sent", "Received", ""], data.map(function (row) {
          var tag = h("input", { type: "text", placeholder: "tag", size: 8, "aria-label": "Tag for " + row[0] });
          return [String(row[0]).slice(0, 12), row[1], row[2], row[3], duration(row[4]), bytes(row[5]), bytes(row[6]),
            h("span.rowactions", tag, button("Tag", function () {
              if (!tag.value.trim()) { return; }
              var command = { tag_sessid: {} };
              command.tag_sessid[row[0]] = tag.value.trim();
              call(command).then(function () { notify("Session tagged."); });
            }), button("Stop", function () { call({ stop_sessid: row[0] }).then(function () { notify("Session stopped."); setTimeout(draw, 1000); }); }, "danger"))];
        }), "No session is connected."));
      }).catch(function () {});
    }
    draw();
    state.timers.push(setInterval(draw, 5000));
  };

  pages.settings = function (main) {
    return Promise.all([loadBasics(), call({ bandwidth: true })]).then(function (replies) {
      var config = state.config || {}, bandwidth = replies[1].bandwidth || {};
      var serverName = h("input", { type: "text", value: config.serverid || "" });
      var debug = h("input", { type: "number", min: "0", max: "10", step: "1", value: config.debug !== undefined && config.debug !== null ? config.debug : "" });
      var accessLog = h("input", { type: "text", value: config.accesslog !== undefined ? config.accesslog : "LOG" });
      var prometheus = h("input", { type: "text", value: config.prometheus || "" });
      var fallback = h("input", { type: "text", value: config.defaultStream || "" });
      var proxies = h("input", { type: "text", value: (config.trustedproxy || []).join(", ") });
      var limit = h("input", { type: "number", min: "0", step: "1", value: bandwidth.limit || "" });
      var exceptions = h("input", { type: "text", value: (bandwidth.exceptions || []).join(", ") });
      function maskBoxes(title, key, labels) {
        var value = config[key] || 0;
        var boxes = labels.map(function (pair) {
          var box = h("input", { type: "checkbox" });
          box.checked = (value & pair[0]) !== 0;
          return { bit: pair[0], box: box, element: field(title + ": " + pair[1], box) };
        });
        return { key: key, boxes: boxes, element: h("fieldset", h("legend", { text: title }), boxes.map(function (b) { return b.element; })) };
      }
      var sessionBits = [[8, "Stream name"], [4, "IP address"], [2, "Token"], [1, "Protocol"]];
      var masks = [maskBoxes("Bundle viewer sessions by", "sessionViewerMode", sessionBits),
        maskBoxes("Bundle input sessions by", "sessionInputMode", sessionBits),
        maskBoxes("Bundle output sessions by", "sessionOutputMode", sessionBits),
        maskBoxes("Bundle unspecified sessions by", "sessionUnspecifiedMode", sessionBits),
        maskBoxes("Communicate session token", "tknMode", [[1, "Read from URL parameter"], [2, "Read from cookie"], [4, "Write to URL parameter"], [8, "Write to cookie"]])];
      var infoMode = h("select", [[1, "A normal viewer session"], [2, "An output session"], [3, "No session"], [4, "An unspecified session"]].map(function (o) {
        return h("option", { value: String(o[0]), text: o[1] });
      }));
      infoMode.value = String(config.sessionStreamInfoMode || 1);
      var errorBox = h("p.formerror");
      add(main, [h("h1", { text: "General settings" }), formCard(
        field("Human readable name", serverName), field("Debug level", debug, "0 (silent) to 10 (everything); empty for the default."),
        field("Access log", accessLog, "LOG to write ended sessions into the log, a file path, or empty for none."),
        field("Prometheus stats output", prometheus, "A passphrase: the metrics answer on /<passphrase> of this port. Empty disables."),
        field("Fallback stream", fallback, "Played when a requested stream cannot be opened ($stream works)."),
        field("Trusted proxies", proxies, "Comma-separated addresses allowed to set X-Forwarded-For."),
        masks.map(function (m) { return m.element; }),
        field("Treat HTTP-only sessions as", infoMode),
        field("Bandwidth limit (bytes/s)", limit), field("Bandwidth exceptions", exceptions, "Comma-separated addresses and ranges not counted."),
        errorBox,
        h("div.actions", button("Save settings", function () {
          submit(errorBox, function () {
            if (debug.value && !/^\d+$/.test(debug.value)) { throw new Invalid("Debug level must be a whole number."); }
            if (limit.value && !/^\d+$/.test(limit.value)) { throw new Invalid("Bandwidth limit must be a whole number."); }
            var next = { serverid: serverName.value.trim(), accesslog: accessLog.value.trim(), prometheus: prometheus.value.trim(),
              defaultStream: fallback.value.trim(), sessionStreamInfoMode: Number(infoMode.value),
              trustedproxy: proxies.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean) };
            if (debug.value) { next.debug = Number(debug.value); }
            masks.forEach(function (m) { next[m.key] = m.boxes.reduce(function (sum, b) { return sum + (b.box.checked ? b.bit : 0); }, 0); });
            var command = { config: next, bandwidth: { exceptions: exceptions.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean) } };
            if (limit.value) { command.bandwidth.limit = Number(limit.value); }
            return call(command).then(function () { notify("Settings saved."); loadBasics(); });
          });
        }, "primary")))]);
    });
  };

  pages.backup = function (main) {
    var file = h("input", { type: "file", accept: "application/json,.json" });
    var errorBox = h("p.formerror");
    add(main, [h("h1", { text: "Backup" }),
      section("Save", h("p.help", { text: "The server writes its configuration file on its own a while after each change; save it now here." }),
        h("div.actions", button("Save configuration now", function () { call({ save: true }).then(function () { notify("Configuration saved."); }); }, "primary"))),
      section("Back up", h("p.help", { text: "A copy of the whole configuration, accounts included (passwords hashed)." }),
        h("div.actions", button("Download backup", function () {
          call({ config_backup: true }).then(function (reply) {
            var blob = new Blob([JSON.stringify(reply.config_backup, null, 2)], { type: "application/json" });
            var link = h("a", { href: URL.createObjectURL(blob), download: "mistswift-config-" + new Date().toISOString().slice(0, 10) + ".json" });
            document.body.appendChild(link);
            link.click();
            link.remove();
          });
        }))),
      section("Restore", field("Backup file", file), errorBox,
        h("div.actions", button("Restore backup", function () {
          submit(errorBox, function () {
            if (!file.files.length) { throw new Invalid("Choose a backup file first."); }
            return file.files[0].text().then(function (text) {
              var backup;
              try { backup = JSON.parse(text); } catch (e) { throw new Invalid("That file is not a JSON backup."); }
              if (!backup || typeof backup !== "object" || Array.isArray(backup)) { throw new Invalid("That file is not a configuration backup."); }
              if (!confirm("Replace the whole configuration with this backup?")) { return; }
              return call({ config_restore: backup }).then(function () { notify("Configuration restored."); });
            });
          });
        }, "danger")))]);
  };

  // ---------------------------------------------------------------- login
  function showLogin(auth) {
    state.loggedIn = false;
    if (state.socket) { state.socket.close(); }
    stopPage();
    var app = clear(document.getElementById("app"));
    var errorBox = h("p.formerror", { id: "loginerror" });
    var user = h("input", { type: "text", autocomplete: "username", value: state.user });
    var password = h("input", { type: "password", autocomplete: auth.status === "NOACC" ? "new-password" : "current-password" });
    var repeat = h("input", { type: "password", autocomplete: "new-password" });
    var creating = auth.status === "NOACC";
    function done() { sessionStorage.setItem("mistswift.user", state.user); sessionStorage.setItem("mistswift.hash", state.hash); start(); }
    var form = h("form.card.login", { on: { submit: function (event) {
      event.preventDefault();
      submit(errorBox, function () {
        if (!user.value.trim()) { throw new Invalid("Username is required."); }
        if (!password.value) { throw new Invalid("Password is required."); }
        if (creating && password.value !== repeat.value) { throw new Invalid("The passwords differ."); }
        state.user = user.value.trim();
        state.hash = md5(password.value);
        var attempt = creating ? api({ authorize: { new_username: state.user, new_password: password.value } }).then(function () { return api({}); }) : api({});
        return attempt.then(done, function (problem) {
          state.hash = "";
          sessionStorage.removeItem("mistswift.hash");
          errorBox.textContent = problem instanceof LoginNeeded ? "Wrong username or password." : "The server could not be reached: " + (problem.message || problem);
        });
      });
    } } },
    h("h1", { text: creating ? "Create the first account" : "Log in to MistSwift" }),
    creating ? h("p.help", { text: "This server has no account yet. The account you create here is needed to manage it from other machines." }) : null,
    field("Username", user), field("Password", password), creating ? field("Repeat password", repeat) : null, errorBox,
    h("div.actions", h("button.primary", { type: "submit", text: creating ? "Create account" : "Log in" })));
    app.appendChild(h("div.loginpage", form));
    (state.user ? password : user).focus();
  }

  // ---------------------------------------------------------------- shell and routing
  function stopPage() {
    state.timers.forEach(clearInterval);
    state.timers = [];
    state.listeners = [];
  }
  function shell() {
    var app = clear(document.getElementById("app"));
    var nav = h("nav", { id: "nav" }, order.map(function (entry) { return h("a", { href: "#" + entry[0], text: entry[1], "data-page": entry[0] }); }));
    var toggle = button("Menu", function () { nav.classList.toggle("open"); }, "menu");
    add(app, [h("header",
      h("span.brand", { text: "MistSwift" }), h("span#servername.servername"), toggle,
      h("span.spacer"), h("span.socket", { id: "socketstate" }),
      button("Log out", function () {
        api({ logout: true }).catch(function () {}).then(function () {
          state.hash = "";
          sessionStorage.removeItem("mistswift.hash");
          showLogin({ status: "CHALL" });
        });
      })), nav, h("div", { id: "message", className: "hidden" }), h("main", { id: "page" })]);
    nav.addEventListener("click", function () { nav.classList.remove("open"); });
  }
  function render() {
    if (!state.loggedIn) { return; }
    stopPage();
    var route = (location.hash.replace(/^#/, "") || "overview").split("/");
    if (!pages[route[0]]) { route = ["overview"]; }
    state.page = route[0];
    var main = document.getElementById("page");
    if (!main) { shell(); main = document.getElementById("page"); }
    clear(main);
    Array.prototype.forEach.call(document.querySelectorAll("#nav a"), function (link) {
      link.classList.toggle("current", link.getAttribute("data-page") === route[0]);
    });
    var title = order.filter(function (entry) { return entry[0] === route[0]; })[0];
    document.title = (title ? title[1] + " · " : "") + "MistSwift";
    listen("socket", function () {
      var indicator = document.getElementById("socketstate");
      if (indicator) { indicator.textContent = state.socketReady ? "● live" : "○ offline"; indicator.className = state.socketReady ? "socket live" : "socket"; }
    });
    emit("socket");
    var result = pages[route[0]](main, route);
    if (result && result.catch) { result.catch(function () {}); }
  }
  function start() {
    api({}).then(function (reply) {
      if ((reply.authorize || {}).status === "NOACC") { throw new LoginNeeded(reply.authorize); }
      state.loggedIn = true;
      shell();
      connectSocket();
      loadBasics().catch(function () {});
      render();
    }).catch(function (problem) {
      if (problem instanceof LoginNeeded) { showLogin(problem.auth); return; }
      clear(document.getElementById("app")).appendChild(h("p.formerror", { text: "The API did not answer: " + (problem.message || problem) }));
    });
  }
  window.addEventListener("hashchange", render);
  // For tests and scripts: the page's own MD5.
  window.mistswiftMD5 = md5;
  start();
})();
