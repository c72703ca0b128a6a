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

// A session that expired mid-edit answers with the sign-in page: go there
// rather than swapping a whole page into a form.
document.addEventListener("htmx:beforeSwap", function (event) {
  var url = event.detail.xhr.responseURL || "";
  if (url.indexOf("/accounts/login/") !== -1) {
    event.detail.shouldSwap = false;
    window.location.assign(url);
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
