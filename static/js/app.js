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
