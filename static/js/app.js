// After htmx swaps a form back in, take the person to what needs them:
// the first field with an error, or else the top of the swapped region.
document.addEventListener("htmx:afterSwap", function (event) {
  var region = event.detail.target;
  var invalid = region.querySelector("[aria-invalid='true'], .notice-error");
  if (invalid) {
    if (invalid.focus) invalid.focus({ preventScroll: true });
    invalid.scrollIntoView({ block: "center" });
  } else if (region.getBoundingClientRect().top < 0) {
    region.scrollIntoView({ block: "start" });
  }
});

// Anything else that goes wrong is said out loud, never swallowed.
function sayItFailed(event) {
  var target = event.detail.target || document.querySelector("main");
  var note = document.createElement("p");
  note.className = "notice notice-error";
  note.setAttribute("role", "alert");
  note.textContent = "That didn't go through. Nothing was lost: reload the page and try again.";
  target.prepend(note);
}
document.addEventListener("htmx:responseError", sayItFailed);
document.addEventListener("htmx:sendError", sayItFailed);

// A link to a form on the page (the prompt email's "Record the check" goes
// to #check) lands on it with the first field focused. On "load", not
// DOMContentLoaded: the browser's own scroll to the fragment comes after
// DOMContentLoaded and moves focus to the page, undoing an earlier focus().
function focusTarget() {
  if (!location.hash) return;
  var target = document.getElementById(location.hash.slice(1));
  var field = target && target.querySelector("input:not([type=hidden]), select, textarea");
  if (field) field.focus();
}
window.addEventListener("load", focusTarget);

// --- The 1:1 queue and the weekly update, by keyboard ------------------------
// Progressive enhancement: without JavaScript every field shows and the forms
// and links work as they are. With it, the update form shows only what the
// chosen outcome needs, and single keys choose, while focus is in the form
// (so they never fire from elsewhere on the page, nor while typing).
(function () {
  var OUTCOME_KEYS = { k: "kept", p: "partly", m: "missed", o: "no_opp" };
  var STEP_KEYS = { l: "layer", r: "reinforce", s: "reissue", d: "new", c: "carry_on" };
  var ANSWER_KEYS = { y: "yes", n: "no" };
  var STEP_SECTIONS = "[data-for-steps], [data-for-next-step]";

  function all(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }
  function radios(form, name) {
    return all(form, "input[type=radio][name='" + name + "']");
  }
  function radioFor(form, name, value) {
    return form.querySelector("input[type=radio][name='" + name + "'][value='" + value + "']");
  }
  function checkedValue(form, name) {
    var radio = form.querySelector("input[type=radio][name='" + name + "']:checked");
    return radio ? radio.value : "";
  }
  function words(el, attribute) {
    return (el.getAttribute(attribute) || "").split(" ");
  }
  function has(el, attribute, word) {
    return words(el, attribute).indexOf(word) >= 0;
  }
  function jsonIn(form, id) {
    var data = form.querySelector("#" + id);
    return data ? JSON.parse(data.textContent) : null;
  }
  // The option's own box: Django renders <div><label><input> Words</label></div>.
  function optionOf(radio) {
    var label = radio.closest("label");
    return label && label.parentElement ? label.parentElement : radio;
  }

  // The next steps the rule book allows after ``outcome`` (each option's
  // data-after), the one it pre-selects (data-default-for) first.
  function stepsAfter(form, outcome) {
    var allowed = radios(form, "next_step").filter(function (r) {
      return has(r, "data-after", outcome);
    });
    var first = allowed.filter(function (r) { return has(r, "data-default-for", outcome); });
    return first.concat(allowed.filter(function (r) { return first.indexOf(r) < 0; }))
      .map(function (r) { return r.value; });
  }

  // The diagnosis tree, one question at a time: those answered on the path,
  // then the next one; at a leaf, the diagnosis it leads to.
  function treeState(form) {
    var tree = jsonIn(form, "diagnosis-tree");
    if (!tree) return null;
    var path = [];
    var field = tree.start;
    while (tree.questions[field]) {
      path.push(field);
      var answer = checkedValue(form, field);
      if (!answer) return { path: path, current: field, leaf: "" };
      field = tree.questions[field][answer];
    }
    return { path: path, current: "", leaf: field };
  }

  function adaptTree(form, answered) {
    var state = treeState(form);
    if (!state) return;
    all(form, "[data-tree-field]").forEach(function (el) {
      var field = el.getAttribute("data-tree-field");
      el.hidden = state.path.indexOf(field) < 0;
      // Y and N answer only the question being asked: their hints say so.
      all(el, "kbd.key").forEach(function (hint) { hint.hidden = field !== state.current; });
      all(el, "input[type=radio]").forEach(function (radio) {
        var key = radio.value === "yes" ? "y" : "n";
        if (field === state.current) radio.setAttribute("aria-keyshortcuts", key);
        else radio.removeAttribute("aria-keyshortcuts");
      });
    });
    // An answer just given leads to its diagnosis (the manager may still pick another).
    if (answered) {
      var leaf = state.leaf && radioFor(form, "diagnosis", state.leaf);
      radios(form, "diagnosis").forEach(function (r) { r.checked = r === leaf; });
    }
    var diagnosis = checkedValue(form, "diagnosis");
    all(form, "[data-for-diagnosis]").forEach(function (el) {
      el.hidden = !has(el, "data-for-diagnosis", diagnosis);
    });
    var fix = form.querySelector("fieldset.fix");
    if (fix) fix.hidden = !diagnosis || diagnosis === "unsure";
  }

  // Show what the chosen outcome needs; offer only the next steps the rule
  // book allows after it (its default chosen unless another allowed one is).
  function adapt(form, changed) {
    var outcome = checkedValue(form, "outcome");
    // Before an outcome is chosen, only what is asked first (the evidence).
    all(form, "[data-for-outcomes]").forEach(function (el) {
      el.hidden = outcome ? !has(el, "data-for-outcomes", outcome) : !el.hasAttribute("data-asked-first");
    });
    var allowed = outcome ? stepsAfter(form, outcome) : null;
    if (allowed) {
      radios(form, "next_step").forEach(function (radio) {
        var ok = allowed.indexOf(radio.value) >= 0;
        optionOf(radio).hidden = !ok;
        radio.disabled = !ok;
        if (!ok) radio.checked = false;
      });
      var first = allowed.length && radioFor(form, "next_step", allowed[0]);
      if (!checkedValue(form, "next_step") && first) first.checked = true;
    }
    var step = checkedValue(form, "next_step");
    all(form, STEP_SECTIONS).forEach(function (el) {
      var steps = el.getAttribute("data-for-steps") !== null ? "data-for-steps" : "data-for-next-step";
      el.hidden = !has(el, steps, step);
      if (!el.hidden && el.tagName === "DETAILS") el.open = true;
    });
    var answered = changed && changed.type === "radio" && changed.name in treeFields(form);
    adaptTree(form, answered);
  }

  function treeFields(form) {
    var tree = jsonIn(form, "diagnosis-tree");
    return tree ? tree.questions : {};
  }

  // A visible hint of a choice's key, beside its label and out of its
  // name (aria-keyshortcuts says it to screen readers instead).
  function labelKey(radio, key) {
    if (!radio || radio.hasAttribute("aria-keyshortcuts")) return;
    radio.setAttribute("aria-keyshortcuts", key);
    var hint = document.createElement("kbd");
    hint.className = "key";
    hint.setAttribute("aria-hidden", "true");
    hint.textContent = key.toUpperCase();
    var label = radio.closest("label");
    label.parentNode.insertBefore(hint, label.nextSibling);
  }
  function labelKeys(form, name, keys) {
    Object.keys(keys).forEach(function (key) { labelKey(radioFor(form, name, keys[key]), key); });
  }

  function setUp(root) {
    if (!root.querySelectorAll) return;
    all(root, "[data-keys-hint]").forEach(function (el) { el.hidden = false; });
    all(root, "form[data-weekly-update]").forEach(function (form) {
      if (form.hasAttribute("data-keys-ready")) return;
      form.setAttribute("data-keys-ready", "");
      labelKeys(form, "outcome", OUTCOME_KEYS);
      labelKeys(form, "next_step", STEP_KEYS);
      Object.keys(treeFields(form)).forEach(function (field) {
        labelKeys(form, field, ANSWER_KEYS);
      });
      adapt(form);
    });
  }
  if (window.htmx) window.htmx.onLoad(setUp);

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-weekly-update]");
    if (form && event.target.type === "radio") adapt(form, event.target);
  });

  function isTyping(el) {
    if (el.isContentEditable) return true;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    var kinds = ["radio", "checkbox", "button", "submit", "reset"];
    return el.tagName === "INPUT" && kinds.indexOf(el.type) < 0;
  }

  function choose(radio) {
    if (!radio || radio.disabled || radio.closest("[hidden]")) return false;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    radio.focus();
    return true;
  }

  // The words a next step needs (a different one after a miss: the reason
  // first), choosing it by key goes there.
  function wordsFor(form, step) {
    var fields = all(form, "#change-reason, fieldset[data-for-steps]").filter(function (el) {
      return !el.closest("[hidden]") && (has(el, "data-for-steps", step) || has(el, "data-for-next-step", step));
    }).map(function (el) { return el.querySelector("input:not([type=hidden]), textarea"); });
    return fields.filter(Boolean)[0];
  }

  function byKey(form, key) {
    if (OUTCOME_KEYS[key]) return choose(radioFor(form, "outcome", OUTCOME_KEYS[key]));
    if (STEP_KEYS[key]) {
      var step = STEP_KEYS[key];
      if (!choose(radioFor(form, "next_step", step))) return false;
      var field = wordsFor(form, step);
      if (field) field.focus();
      return true;
    }
    if (ANSWER_KEYS[key]) {
      // Yes or no to the tree's question being asked.
      var state = treeState(form);
      return !!(state && state.current && choose(radioFor(form, state.current, ANSWER_KEYS[key])));
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    var scope = event.target.closest && event.target.closest("[data-keys]");
    if (!scope || event.defaultPrevented || event.isComposing) return;
    var form = scope.tagName === "FORM" ? scope : null;
    if (form && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    if (form && event.key === "Enter" && event.target.type === "radio") {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    var key = event.key.length === 1 ? event.key.toLowerCase() : "";
    if (!key) return;
    var shortcut = scope.querySelector("[data-key='" + key + "']");
    var done = false;
    if (shortcut) {
      shortcut.click();
      done = true;
    } else if (form) {
      done = byKey(form, key);
    }
    if (done) event.preventDefault();
  });

  // Opened from the queue (a boosted link): straight to the form's first
  // choice, after htmx's own scroll to the top (hence the timeout). Any
  // other page opened in place: focus its start, as a page load would.
  function arrive(region) {
    var form = region.querySelector("[data-arrive-focus]");
    var field = form && (form.querySelector("input[name=outcome]:checked") ||
      form.querySelector("input:not([type=hidden]):not([disabled]), select, textarea"));
    setTimeout(function () {
      if (field) {
        field.focus({ preventScroll: true });
        field.closest("section, form").scrollIntoView({ block: "start" });
      } else {
        var main = document.getElementById("main");
        if (main) main.focus({ preventScroll: true });
      }
    }, 0);
  }

  // Saved in place: the next rep, one key away, gets the focus; the link is
  // described by what was saved, so a screen reader says both.
  function saved(region) {
    var next = region.querySelector("[data-focus-after-save]");
    if (next) next.focus();
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var region = event.detail.target;
    if (!region || region.querySelector("[aria-invalid='true'], .notice-error")) return;
    if (event.detail.boosted) arrive(region);
    else saved(region);
  });
})();
