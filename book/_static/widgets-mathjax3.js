/* toyama-lab book: ipywidgets' saved-state renderer (@jupyter-widgets/base) typesets
 * widget labels with the MathJax 2 call MathJax.Hub.Queue whenever window.MathJax exists;
 * the book serves MathJax 3, which has no Hub, so every widget raised a TypeError.
 * This gives whatever object window.MathJax holds a non-enumerable Hub.Queue that calls
 * MathJax 3's typesetPromise (MathJax 3 ignores non-enumerable keys of its config). */
(function () {
  "use strict";
  var current = window.MathJax;
  function withHub(mj) {
    if (mj && typeof mj === "object" && !Object.prototype.hasOwnProperty.call(mj, "Hub")) {
      Object.defineProperty(mj, "Hub", {
        configurable: true,
        enumerable: false,
        value: {
          Queue: function (job) {
            var el = Array.isArray(job) ? job[2] : undefined;
            var m = window.MathJax;
            if (m && typeof m.typesetPromise === "function") {
              m.typesetPromise(el ? [el] : undefined).catch(function () {});
            }
          },
        },
      });
    }
    return mj;
  }
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () {
      return current;
    },
    set: function (value) {
      current = withHub(value);
    },
  });
  withHub(current);
})();
