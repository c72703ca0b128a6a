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
  var STEP_KEYS = { l: "layer", s: "reissue", d: "new", r: "reinforce" };

  function radios(form, name) {
    return Array.prototype.slice.call(form.querySelectorAll("input[type=radio][name='" + name + "']"));
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
  // The option's own box: Django renders <div><label><input> Words</label></div>.
  function optionOf(radio) {
    var label = radio.closest("label");
    return label && label.parentElement ? label.parentElement : radio;
  }

  // Show what the chosen outcome needs, offer only the next steps the rule
  // book allows after it (the first one chosen unless another allowed one is).
  function adapt(form) {
    var data = form.querySelector("#next-steps-after");
    var allowedAfter = data ? JSON.parse(data.textContent) : {};
    var outcome = checkedValue(form, "outcome");
    form.querySelectorAll("[data-for-outcomes]").forEach(function (el) {
      el.hidden = !outcome || words(el, "data-for-outcomes").indexOf(outcome) < 0;
    });
    var allowed = allowedAfter[outcome];
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
    form.querySelectorAll("[data-for-steps]").forEach(function (el) {
      el.hidden = words(el, "data-for-steps").indexOf(step) < 0;
      if (!el.hidden && el.tagName === "DETAILS") el.open = true;
    });
  }

  // A visible hint of each choice's key, beside its label and out of its
  // name (aria-keyshortcuts says it to screen readers instead).
  function labelKeys(form, name, keys) {
    Object.keys(keys).forEach(function (key) {
      var radio = radioFor(form, name, keys[key]);
      if (!radio || radio.hasAttribute("aria-keyshortcuts")) return;
      radio.setAttribute("aria-keyshortcuts", key);
      var hint = document.createElement("kbd");
      hint.className = "key";
      hint.setAttribute("aria-hidden", "true");
      hint.textContent = key.toUpperCase();
      var label = radio.closest("label");
      label.parentNode.insertBefore(hint, label.nextSibling);
    });
  }

  function setUp(root) {
    root.querySelectorAll("[data-keys-hint]").forEach(function (el) { el.hidden = false; });
    var forms = root.querySelectorAll ? root.querySelectorAll("form[data-weekly-update]") : [];
    forms.forEach(function (form) {
      labelKeys(form, "outcome", OUTCOME_KEYS);
      labelKeys(form, "next_step", STEP_KEYS);
      adapt(form);
    });
  }
  if (window.htmx) window.htmx.onLoad(setUp);

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-weekly-update]");
    if (form && event.target.type === "radio") adapt(form);
  });

  function isTyping(el) {
    if (el.isContentEditable) return true;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    var kinds = ["radio", "checkbox", "button", "submit", "reset"];
    return el.tagName === "INPUT" && kinds.indexOf(el.type) < 0;
  }

  function choose(radio) {
    if (!radio || radio.disabled) return false;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    radio.focus();
    return true;
  }

  // The words of a next step that needs them: choosing it by key goes there.
  function wordsFor(form, step) {
    var section = Array.prototype.find.call(form.querySelectorAll("[data-for-steps]"), function (el) {
      return el.tagName === "FIELDSET" && words(el, "data-for-steps").indexOf(step) >= 0;
    });
    return section && section.querySelector("input:not([type=hidden]), textarea");
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
    var done = false;
    var shortcut = scope.querySelector("[data-key='" + key + "']");
    if (shortcut) {
      shortcut.click();
      done = true;
    } else if (form && OUTCOME_KEYS[key]) {
      done = choose(radioFor(form, "outcome", OUTCOME_KEYS[key]));
    } else if (form && STEP_KEYS[key]) {
      var step = STEP_KEYS[key];
      done = choose(radioFor(form, "next_step", step));
      var field = done && wordsFor(form, step);
      if (field) field.focus();
    }
    if (done) event.preventDefault();
  });

  // Opened from the queue (a boosted link): straight to the form's first
  // choice, after htmx's own scroll to the top (hence the timeout). Any
  // other page opened in place: focus its start, as a page load would.
  function arrive(region) {
    var form = region.querySelector("[data-arrive-focus]");
    var field = form && (form.querySelector("input[type=radio]:checked") ||
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
