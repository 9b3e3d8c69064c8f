/**
 * The tab title: the page name, or, while a call rings, the caller alternating with the page name
 * so a background tab catches the eye.
 */
let base = 'Switchboard';
let alert: string | null = null;
let timer: ReturnType<typeof setInterval> | undefined;
let showAlert = true;

function render(): void {
  document.title = alert && showAlert ? `☎ ${alert}` : base;
}

export function setPageTitle(title: string): void {
  base = title;
  render();
}

/** Shows `text` blinking in the title until called with null. */
export function setTitleAlert(text: string | null): void {
  alert = text;
  clearInterval(timer);
  timer = undefined;
  showAlert = true;
  if (text) {
    timer = setInterval(() => {
      showAlert = !showAlert;
      render();
    }, 1000);
  }
  render();
}
