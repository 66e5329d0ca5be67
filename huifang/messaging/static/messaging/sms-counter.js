// Live SMS length of the template text: signature included, 70 characters in one SMS,
// 67 per part when split (the same rule as huifang/messaging/rendering.py).
(function () {
  const form = document.querySelector("[data-sms-counter]");
  if (!form) return;
  const body = form.querySelector("textarea[name=body]");
  const single = Number(form.dataset.single), part = Number(form.dataset.part);
  function update() {
    const length = Array.from(form.dataset.signature + body.value.trim()).length;
    const parts = length === 0 ? 0 : length <= single ? 1 : Math.ceil(length / part);
    form.querySelector("[data-sms-chars]").textContent = length;
    form.querySelector("[data-sms-parts]").textContent = parts;
  }
  body.addEventListener("input", update);
  update();
})();
