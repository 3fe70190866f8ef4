// Accessible names for the sliders that the widgets HTML manager draws from saved state.
// ipywidgets draws a slider's handles with noUiSlider: each handle has role="slider" but no
// name, so a screen reader announces an unnamed slider (axe: aria-input-field-name). The
// slider's own visible label names it; a range slider's two handles get "(start)" and "(end)".
(function () {
  "use strict";
  function labelOf(slider) {
    var label = slider.querySelector(".widget-label");
    var text = label ? label.textContent.trim() : "";
    var node = slider;
    while (!text && node && node.previousElementSibling === null && node.parentElement) {
      node = node.parentElement;
    }
    if (!text && node && node.previousElementSibling) {
      text = node.previousElementSibling.textContent.trim().slice(0, 80);
    }
    return text || "Slider";
  }
  function nameHandles(root) {
    root.querySelectorAll(".widget-slider").forEach(function (slider) {
      var handles = slider.querySelectorAll(".noUi-handle");
      if (!handles.length) { return; }
      var base = labelOf(slider);
      handles.forEach(function (handle, index) {
        if (handle.hasAttribute("aria-label")) { return; }
        var which = handles.length > 1 ? (index === 0 ? " (start)" : " (end)") : "";
        handle.setAttribute("aria-label", base + which);
      });
    });
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; nameHandles(document); });
  }).observe(document.documentElement, { childList: true, subtree: true });
}());
