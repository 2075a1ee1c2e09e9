/* The page's navigation folded behind one button on a narrow screen: the button appears only
   when this script runs (without it the links stay shown), toggles the menu and says so with
   aria-expanded; Escape closes it. */
(function () {
  const top = document.getElementById('top');
  const button = top && top.querySelector('.nav-toggle');
  if (!button) return;
  top.classList.add('foldable');
  button.hidden = false;
  function set(open) {
    top.classList.toggle('open', open);
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
  }
  button.addEventListener('click', () => set(!top.classList.contains('open')));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && top.classList.contains('open')) { set(false); button.focus(); }
  });
})();
