/* A file field that speaks the page's language: the browser's own button and "no file"
   text follow the browser's language, so the native control is hidden under a button and a
   name written by the page; this shows the picked file's name there. */
(function () {
  document.querySelectorAll('label.file-pick').forEach((label) => {
    const input = label.querySelector('input[type=file]');
    const name = label.querySelector('.file-name');
    if (!input || !name) return;
    const empty = name.textContent;
    input.addEventListener('change', () => {
      name.textContent = input.files && input.files.length ? input.files[0].name : empty;
    });
  });
})();
