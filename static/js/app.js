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
