// Keyboard shortcuts of the queue, as triage inboxes have them. A small enhancement: every key does
// what a link, a form field or the help's <details> on the page does without any script, so the page
// works the same without it. Served by the desk at /static/queue-keys.mjs under the page's CSP
// (script-src 'self', nothing inline, no eval, Trusted Types with no policy: it builds no markup).
//
// Single keys only and never with Ctrl, Alt or Meta, so no browser, system or screen-reader shortcut
// is taken; and none while the person types in a field. Arrow keys move the selection only once a
// case is selected, so they still scroll the page otherwise.
//
//   j, ↓   next case            k, ↑   previous case
//   Enter, o   open the selected case
//   /      the filters          m      "Mine only" on or off
//   ?      the list of shortcuts (Escape closes it)

const rows = () =>
  Array.from(document.querySelectorAll('table.queue tbody tr, table.overdue-list tbody tr')).filter((tr) =>
    tr.querySelector('a[href^="/cases/"]'),
  );
const filters = document.querySelector('form.filters');
const help = document.getElementById('queue-shortcuts');

/** The row holding the keyboard's focus, if any: the selection is where the focus is. */
function selectedRow() {
  const active = document.activeElement;
  return active ? rows().find((tr) => tr.contains(active)) : undefined;
}

function mark(row) {
  for (const tr of document.querySelectorAll('tr.is-selected')) {
    tr.classList.remove('is-selected');
  }
  if (row) row.classList.add('is-selected');
}

/** Selects a row: its case link takes the focus (screen readers say which case), the row is marked. */
function select(row) {
  const link = row.querySelector('a[href^="/cases/"]');
  mark(row);
  link.focus();
  row.scrollIntoView({ block: 'nearest' });
}

function move(step) {
  const all = rows();
  if (all.length === 0) return;
  const at = all.indexOf(selectedRow());
  const next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
  select(all[next]);
}

/** Typing in a field, a list box or an editable region: the keys are the person's text then. */
function typing(target) {
  return target instanceof Element && Boolean(target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])'));
}

function toggleHelp(open) {
  if (!help) return;
  help.open = open;
  if (open) {
    help.querySelector('summary').focus();
    help.scrollIntoView({ block: 'nearest' });
  }
}

document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || e.isComposing || e.ctrlKey || e.altKey || e.metaKey) return;
  if (e.key === 'Escape' && help?.open) {
    toggleHelp(false);
    return;
  }
  if (typing(e.target)) return;
  // "?" needs Shift on most layouts; the letters and "/" are taken only without it.
  if (e.key === '?') {
    e.preventDefault();
    toggleHelp(!help?.open);
    return;
  }
  if (e.shiftKey) return;
  const inRow = selectedRow();
  switch (e.key) {
    case 'j':
      move(1);
      break;
    case 'k':
      move(-1);
      break;
    case 'ArrowDown':
    case 'ArrowUp':
      if (!inRow) return;
      move(e.key === 'ArrowDown' ? 1 : -1);
      break;
    case 'o':
    case 'Enter': {
      // Enter on a focused link opens it by itself; "o" (or Enter elsewhere in the row) does the same.
      if (!inRow || (e.key === 'Enter' && e.target instanceof HTMLAnchorElement)) return;
      inRow.querySelector('a[href^="/cases/"]').click();
      break;
    }
    case '/':
      if (!filters) return;
      filters.querySelector('select, input:not([type="hidden"])').focus();
      break;
    case 'm': {
      const mine = filters?.querySelector('input[name="mine"]');
      if (!mine) return;
      mine.checked = !mine.checked;
      filters.requestSubmit();
      break;
    }
    default:
      return;
  }
  e.preventDefault();
});

// A click or Tab into a row moves the mark with the focus, so there is one selection whatever moved it.
document.addEventListener('focusin', () => mark(selectedRow()));
