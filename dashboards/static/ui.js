// Light progressive enhancement only; every page works without it.
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (el.matches && el.matches("select[data-autosubmit]")) { el.form.submit(); }
});
