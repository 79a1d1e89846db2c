/* The run viewer: renders the JSON blob embedded in the page. Plain JS, no libraries;
   every piece of data reaches the page as a text node, never as HTML. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.querySelector('script[type="application/json"]').textContent);
  var RUNS = DATA.runs;
  var SAMPLES = DATA.samples;
  var SEVERAL = RUNS.length > 1;
  var NONE = "__none__";
  var PAGE = 500;
  var shown = PAGE;
  var listScroll = 0;

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "text") node.textContent = String(value);
        else if (key === "className") node.className = value;
        else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { append(node, c); });
    else node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function $(id) { return document.getElementById(id); }
  function pct(x) { return x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%"; }
  function show(x) { return x === null || x === undefined || x === "" ? "–" : String(x); }

  // ------------------------------------------------------------------ highlighting

  var PY_KEYWORDS = words("False None True and as assert async await break class continue def del elif else except " +
    "finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case");
  var PY_BUILTINS = words("print range len int float str bool sum min max abs round sorted reversed list dict set " +
    "tuple enumerate zip map filter any all isinstance divmod pow frozenset next iter open " +
    "Int Real Bool Ints Reals Bools Solver Optimize And Or Not Implies If Xor Distinct Sum Product sat unsat " +
    "unknown symbols Symbol solve Eq Rational simplify factor expand sqrt Integer nsolve linsolve " +
    "CNF IDPool CardEnc EncType Minisat22 Glucose4 Cadical153 Minicard");
  var PL_BUILTINS = words("is not findall member memberchk append length between format write writeln print nl " +
    "halt assert asserta assertz retract msort sort predsort setof bagof forall nth0 nth1 sum_list sumlist " +
    "max_list min_list last reverse dif true fail false call atom number var nonvar once ignore aggregate_all " +
    "label labeling ins in all_different all_distinct use_module library dynamic discontiguous initialization " +
    "catch throw atom_length atom_codes atom_chars number_codes permutation select exclude include maplist " +
    "foldl list_to_set subtract intersection union delete succ plus mod rem abs max min tab");
  var SMT_KEYWORDS = words("declare-const declare-fun define-fun define-fun-rec declare-datatypes declare-datatype " +
    "define-sort declare-sort assert check-sat check-sat-assuming get-model get-value get-info set-info " +
    "set-logic set-option push pop exit echo minimize maximize forall exists let ite and or not xor => = " +
    "distinct true false");
  var SMT_SORTS = words("Int Real Bool Array BitVec String");

  function words(text) {
    var set = Object.create(null);
    text.split(/\s+/).forEach(function (w) { if (w) set[w] = true; });
    return set;
  }

  // Each language: rules tried in order at the current position ([class, sticky regex]);
  // the class may be a function of the matched text. Text no rule matches stays plain.
  var LANGUAGES = {
    python: [
      ["com", /#[^\n]*/y],
      ["str", /[rRbBuUfF]{0,2}(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$))/y],
      ["str", /[rRbBuUfF]{0,2}(?:"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?)/y],
      ["num", /(?:0[xXbBoO][0-9a-fA-F_]+|\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?j?)/y],
      [function (w) { return PY_KEYWORDS[w] ? "kw" : PY_BUILTINS[w] ? "fn" : null; }, /[A-Za-z_][A-Za-z0-9_]*/y],
    ],
    prolog: [
      ["com", /%[^\n]*/y],
      ["com", /\/\*[\s\S]*?(?:\*\/|$)/y],
      ["str", /"(?:\\.|[^"\\])*"?/y],
      ["str", /'(?:\\.|''|[^'\\])*'?/y],
      ["num", /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y],
      ["var", /[A-Z_][A-Za-z0-9_]*/y],
      [function (w) { return PL_BUILTINS[w] ? "kw" : null; }, /[a-z][A-Za-z0-9_]*/y],
      ["kw", /:-|-->|\\\+|=\.\.|\\==|==|=:=|=\\=|#=<|#>=|#\\=|#=|#<|#>|\?-/y],
    ],
    smtlib: [
      ["com", /;[^\n]*/y],
      ["str", /"(?:""|[^"])*"?/y],
      ["var", /\|[^|]*\|?/y],
      ["num", /#x[0-9a-fA-F]+|#b[01]+|\d+(?:\.\d+)?/y],
      ["var", /:[A-Za-z0-9_~!@$%^&*+=<>.?\/\-]+/y],
      [function (w) { return SMT_KEYWORDS[w] ? "kw" : SMT_SORTS[w] ? "fn" : null; },
        /[A-Za-z_~!@$%^&*+=<>.?\/\-][A-Za-z0-9_~!@$%^&*+=<>.?\/\-]*/y],
    ],
    dimacs: [
      ["com", /^c(?:[ \t][^\n]*)?$/my],
      ["kw", /^p[ \t]+cnf\b/my],
      ["num", /-?\d+/y],
    ],
  };

  function languageFor(backend, program) {
    var start = program.replace(/^(?:\s*;[^\n]*\n)*\s*/, "");
    if (backend === "prolog") return "prolog";
    if (backend === "smt" && start.charAt(0) === "(") return "smtlib";
    if (backend === "sat" && /^\s*p\s+cnf\b/m.test(program) &&
        !/^\s*(import|from|def|class|for|while|if|answer)\b/m.test(program)) return "dimacs";
    return "python";
  }

  function highlight(code, language) {
    var rules = LANGUAGES[language] || [];
    var out = document.createDocumentFragment();
    var plain = "";
    var pos = 0;
    function flush() { if (plain) { out.appendChild(document.createTextNode(plain)); plain = ""; } }
    while (pos < code.length) {
      var matched = false;
      for (var i = 0; i < rules.length; i++) {
        var re = rules[i][1];
        re.lastIndex = pos;
        var m = re.exec(code);
        if (!m || !m[0].length) continue;
        var cls = typeof rules[i][0] === "function" ? rules[i][0](m[0]) : rules[i][0];
        if (cls) { flush(); out.appendChild(el("span", { className: "tok-" + cls, text: m[0] })); }
        else plain += m[0];
        pos += m[0].length;
        matched = true;
        break;
      }
      if (!matched) { plain += code.charAt(pos); pos += 1; }
    }
    flush();
    return out;
  }

  function codeBlock(program, backend) {
    var language = languageFor(backend, program);
    var code = el("code", { className: "program language-" + language, "data-language": language });
    code.appendChild(highlight(program, language));
    return el("pre", null, code);
  }

  // ------------------------------------------------------------------ runs: summaries and plot

  function strategyOrder(run, tasks) {
    var order = run.strategies.slice();
    tasks.forEach(function (t) {
      t.strategies.forEach(function (s) { if (order.indexOf(s.strategy) < 0) order.push(s.strategy); });
    });
    return order.filter(function (name) {
      return tasks.some(function (t) { return t.strategies.some(function (s) { return s.strategy === name; }); });
    });
  }

  function statTitle(st) {
    var lines = ["n " + st.n + ", correct " + st.correct, "mean " + st.mean_seconds.toFixed(1) + " s, " +
      Math.round(st.mean_tokens) + " tokens"];
    if (st.executable_rate !== null) lines.push("ran first try " + pct(st.first_try_rate) + ", after repair " +
      pct(st.executable_rate));
    if (st.router_accuracy !== null) lines.push("router accuracy " + pct(st.router_accuracy) + " (n=" + st.routed + ")");
    var kinds = Object.keys(st.error_kinds);
    if (kinds.length) lines.push("errors: " + kinds.map(function (k) { return k + " " + st.error_kinds[k]; }).join(", "));
    var bins = Object.keys(st.by_agreement);
    if (bins.length) lines.push("by agreement: " + bins.map(function (b) {
      var bin = st.by_agreement[b];
      return b + " " + bin.correct + "/" + bin.n;
    }).join(", "));
    return lines.join("\n");
  }

  function renderRuns() {
    var box = clear($("runs"));
    $("run-names").textContent = RUNS.map(function (r) { return r.label; }).join(" · ");
    RUNS.forEach(function (run, index) {
      var tasks = run.summary.tasks;
      var order = strategyOrder(run, tasks);
      box.appendChild(el("h2", { text: run.label }));
      box.appendChild(el("p", { className: "meta" },
        "model " + run.model + " · " + run.samples + (run.expected ? " of " + run.expected : "") + " samples · " +
        run.elapsed_seconds.toFixed(0) + " s · " + run.path));
      if (!tasks.length) { box.appendChild(el("p", { className: "empty", text: "no samples yet" })); return; }
      var head = el("tr", null, el("th", { text: "task" }), order.map(function (s) {
        return el("th", { text: s });
      }));
      var rows = tasks.map(function (t) {
        return el("tr", null, el("th", { text: t.task }), order.map(function (name) {
          var st = t.strategies.filter(function (s) { return s.strategy === name; })[0];
          if (!st) return el("td", { className: "cell muted", text: "–" });
          return el("td", {
            className: "cell", title: statTitle(st),
            "data-run": index, "data-task": t.task, "data-strategy": name,
            onclick: function () { filterTo(index, t.task, name); },
          }, el("span", { className: "link", text: pct(st.accuracy) }), " (" + st.correct + "/" + st.n + ") ",
          el("span", { className: "ci", text: "[" + (100 * st.ci_low).toFixed(0) + "–" +
            (100 * st.ci_high).toFixed(0) + "]" }));
        }));
      });
      box.appendChild(el("table", { className: "summary" }, el("thead", null, head), el("tbody", null, rows)));
    });
    var plot = clear($("plot"));
    if (DATA.plot) {
      plot.appendChild(el("h2", { text: "Accuracy" }));
      plot.appendChild(el("img", { src: DATA.plot, alt: "accuracy per task and strategy, 95% Wilson intervals" }));
    }
  }

  // ------------------------------------------------------------------ the samples list and its filters

  var FILTERS = [
    { name: "run", label: "run", value: function (s) { return String(s.run); },
      text: function (v) { return RUNS[Number(v)].label; }, when: function () { return SEVERAL; } },
    { name: "task", label: "task", value: function (s) { return s.task; } },
    { name: "strategy", label: "strategy", value: function (s) { return s.strategy; } },
    { name: "correct", label: "answer", value: function (s) { return s.correct ? "right" : "wrong"; },
      options: ["right", "wrong"] },
    { name: "backend", label: "backend", value: function (s) { return s.route; } },
    { name: "error", label: "error", value: function (s) { return s.error_kind; } },
    { name: "agreement", label: "agreement", value: function (s) { return s.agreement_bin; },
      options: ["all agree", "majority", "split", NONE],
      when: function () { return SAMPLES.some(function (s) { return s.agreement_bin !== null; }); } },
  ];

  function key(value) { return value === null || value === undefined ? NONE : String(value); }

  function renderFilters() {
    var form = clear($("filters"));
    FILTERS.forEach(function (f) {
      if (f.when && !f.when()) return;
      var values = f.options;
      if (!values) {
        values = [];
        SAMPLES.forEach(function (s) { var v = key(f.value(s)); if (values.indexOf(v) < 0) values.push(v); });
        values.sort(function (a, b) { return a === NONE ? 1 : b === NONE ? -1 : a < b ? -1 : a > b ? 1 : 0; });
      }
      var select = el("select", { id: "filter-" + f.name, name: f.name, onchange: applyFilters },
        el("option", { value: "", text: "all" }),
        values.map(function (v) {
          var label = v === NONE ? (f.name === "agreement" ? "(no vote)" : "(none)") : f.text ? f.text(v) : v;
          return el("option", { value: v, text: label });
        }));
      form.appendChild(el("label", null, f.label + " ", select));
    });
    form.appendChild(el("label", null, "search ", el("input", {
      id: "filter-search", type: "search", placeholder: "id or question", oninput: applyFilters,
    })));
    form.appendChild(el("button", { type: "button", id: "filter-reset", text: "reset", onclick: function () {
      Array.prototype.forEach.call(form.querySelectorAll("select, input"), function (input) { input.value = ""; });
      applyFilters();
    } }));
  }

  function currentFilters() {
    var active = [];
    FILTERS.forEach(function (f) {
      var select = $("filter-" + f.name);
      if (select && select.value) active.push({ f: f, value: select.value });
    });
    return active;
  }

  function filtered() {
    var active = currentFilters();
    var search = ($("filter-search").value || "").trim().toLowerCase();
    return SAMPLES.filter(function (s) {
      for (var i = 0; i < active.length; i++) if (key(active[i].f.value(s)) !== active[i].value) return false;
      return !search || s.id.toLowerCase().indexOf(search) >= 0 || s.question.toLowerCase().indexOf(search) >= 0;
    });
  }

  function applyFilters() { shown = PAGE; renderList(); }

  function filterTo(run, task, strategy) {
    var set = function (name, value) { var s = $("filter-" + name); if (s) s.value = value; };
    set("run", String(run)); set("task", task); set("strategy", strategy);
    applyFilters();
    $("samples").scrollIntoView();
  }

  function itemHash(s) { return "#item/" + encodeURIComponent(s.task) + "/" + encodeURIComponent(s.id); }

  function renderList() {
    var list = filtered();
    var count = $("count");
    count.setAttribute("data-count", String(list.length));
    count.textContent = list.length + " of " + SAMPLES.length + " samples" +
      (list.length > shown ? " (first " + shown + " shown)" : "");
    var body = clear($("sample-rows"));
    list.slice(0, shown).forEach(function (s) {
      var href = itemHash(s);
      body.appendChild(el("tr", { className: "sample", "data-task": s.task, "data-id": s.id,
        "data-strategy": s.strategy, "data-correct": s.correct ? "true" : "false",
        onclick: function () { location.hash = href; } },
        el("td", { text: RUNS[s.run].label }),
        el("td", { text: s.task }),
        el("td", null, el("a", { href: href, text: s.id })),
        el("td", { text: s.strategy }),
        el("td", { className: "mark " + (s.correct ? "right" : "wrong"), text: s.correct ? "✓" : "✗",
          title: s.correct ? "right" : "wrong" }),
        el("td", { className: "pred", text: show(s.prediction), title: show(s.prediction) }),
        el("td", { text: s.gold }),
        el("td", { text: show(s.route) }),
        el("td", { text: show(s.error_kind), title: s.error ? s.error.message : null }),
        el("td", { text: s.agreement === null ? "–" : pct(s.agreement) }),
        el("td", { className: "num", text: s.seconds.toFixed(1) })));
    });
    var more = $("more");
    more.hidden = list.length <= shown;
  }

  // ------------------------------------------------------------------ one item, every strategy side by side

  function field(dl, name, value) {
    if (value === null || value === undefined || value === "") return;
    dl.appendChild(el("dt", { text: name }));
    dl.appendChild(el("dd", null, value));
  }

  function attemptView(attempt, index) {
    var result = attempt.result;
    var outcome = result.ok
      ? el("div", { className: "result ok" }, "value: ", el("code", { className: "value", text: show(result.value) }))
      : el("div", { className: "result failed" }, "error " + (result.error ? result.error.kind : "?") + ": ",
        el("span", { className: "message", text: result.error ? result.error.message : "" }));
    return el("div", { className: "attempt" },
      el("div", null, el("strong", { text: "program " + (index + 1) }), " · " + attempt.backend +
        (attempt.resampled ? " · resampled" : "") + " · " + result.elapsed_ms.toFixed(0) + " ms"),
      codeBlock(attempt.program, attempt.backend),
      outcome,
      result.stdout ? el("details", null, el("summary", { text: "stdout" }),
        el("pre", { className: "wrap", text: result.stdout })) : null,
      result.stderr ? el("details", null, el("summary", { text: "stderr" }),
        el("pre", { className: "wrap", text: result.stderr })) : null,
      attempt.completion ? el("details", null, el("summary", { text: "model's reply" }),
        el("pre", { className: "wrap", text: attempt.completion })) : null);
  }

  function strategyView(s) {
    var dl = el("dl");
    field(dl, "answer", el("strong", { className: "prediction", text: show(s.prediction) }));
    field(dl, "backend", s.route ? s.route + (s.route_by ? " (by " + s.route_by + ")" : "") : null);
    field(dl, "fallback", s.fallback);
    field(dl, "agreement", s.agreement === null ? null : pct(s.agreement) + " · " + s.agreement_bin);
    field(dl, "error", s.error ? s.error.kind + ": " + s.error.message : null);
    var calls = s.usage.model_calls;
    field(dl, "cost", s.seconds.toFixed(1) + " s · " + s.tokens + " tokens · " + calls +
      (calls === 1 ? " call" : " calls"));
    var candidates = null;
    if (s.candidates.length) {
      candidates = el("div", { className: "candidates" }, el("h4", { text: "candidates" }),
        el("table", null, el("thead", null, el("tr", null, el("th", { text: "#" }), el("th", { text: "backend" }),
          el("th", { text: "answer" }), el("th", { text: "programs" }))),
        el("tbody", null, s.candidates.map(function (c, i) {
          return el("tr", null, el("td", { text: i + 1 }), el("td", { text: c.backend }),
            el("td", { text: c.answer === null ? "(abstains)" : c.answer }),
            el("td", { text: c.attempts.map(function (a) { return a + 1; }).join(", ") || "–" }));
        }))));
    }
    return el("article", { className: "strategy " + (s.correct ? "right" : "wrong"),
      "data-strategy": s.strategy, "data-run": s.run },
      el("h3", null, s.strategy + (SEVERAL ? " · " + RUNS[s.run].label : "") + " ",
        el("span", { className: "badge " + (s.correct ? "right" : "wrong"), text: s.correct ? "right" : "wrong" })),
      dl,
      candidates,
      s.attempts.map(attemptView),
      s.output ? el("div", { className: "final" }, el("h4", { text: "final reply" }),
        el("pre", { className: "wrap output", text: s.output })) : null);
  }

  function renderItem(task, id) {
    var view = clear($("item-view"));
    var found = SAMPLES.filter(function (s) { return s.task === task && s.id === id; });
    view.appendChild(el("p", null, el("a", { href: "#", text: "← all samples" })));
    if (!found.length) {
      view.appendChild(el("p", { className: "empty", text: "no sample " + task + " / " + id + " in these runs" }));
      return;
    }
    found.sort(function (a, b) {
      if (a.run !== b.run) return a.run - b.run;
      var order = RUNS[a.run].strategies;
      var ia = order.indexOf(a.strategy), ib = order.indexOf(b.strategy);
      return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib) || (a.strategy < b.strategy ? -1 : 1);
    });
    var first = found[0];
    view.appendChild(el("h2", { text: task + " / " + id }));
    view.appendChild(el("div", { className: "question", text: first.question }));
    var goldText = first.gold;
    if (first.choices) {
      var goldIndex = first.gold.length === 1 ? first.gold.charCodeAt(0) - 65 : -1;
      if (goldIndex >= 0 && goldIndex < first.choices.length) goldText += " (" + first.choices[goldIndex] + ")";
      view.appendChild(el("ol", { className: "choices", type: "A" }, first.choices.map(function (c, i) {
        return el("li", { className: i === goldIndex ? "gold" : null, text: c });
      })));
    }
    view.appendChild(el("p", { className: "gold-line" }, "gold: ", el("strong", { className: "gold", text: goldText }),
      el("span", { className: "muted", text: " · " + first.format +
        (first.gold_route ? " · fits " + first.gold_route : "") })));
    view.appendChild(el("div", { className: "columns" }, found.map(strategyView)));
  }

  // ------------------------------------------------------------------ navigation

  function route() {
    var hash = location.hash;
    var match = /^#item\/([^/]*)\/(.*)$/.exec(hash);
    if (match) {
      if (!$("list-view").hidden) listScroll = window.scrollY;
      $("list-view").hidden = true;
      $("item-view").hidden = false;
      renderItem(decodeURIComponent(match[1]), decodeURIComponent(match[2]));
      window.scrollTo(0, 0);
    } else {
      $("item-view").hidden = true;
      $("list-view").hidden = false;
      window.scrollTo(0, listScroll);
    }
  }

  $("more").addEventListener("click", function () { shown += PAGE; renderList(); });
  window.addEventListener("hashchange", route);
  renderRuns();
  renderFilters();
  renderList();
  route();
})();
