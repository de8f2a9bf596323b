import { Command as Cmdk } from 'cmdk';
import { COMMANDS, displayKeybinding, type Command } from '../commands.js';
import { openBlock, openDialog, openRequest, useStore } from '../store.js';
import { Dialog } from './common.js';

/** Commands that depend on the current state: one per pending request, executed withdrawal, … */
function dynamicCommands(): Command[] {
  const { requests } = useStore.getState();
  const out: Command[] = [];
  for (const r of requests ?? []) {
    const what = `${r.amount} ${r.asset} → ${r.destination}`;
    if (r.status === 'pending') {
      out.push({
        id: `approve.${r.requestId}`,
        category: 'Custody',
        title: `Approve Withdrawal of ${what} (${r.approvals.length} of ${r.threshold})`,
        keybinding: '',
        run: () => openDialog({ kind: 'approve', requestId: r.requestId }),
      });
    }
    out.push({ id: `request.${r.requestId}`, category: 'Custody', title: `Open Request ${what}`, keybinding: '', run: () => openRequest(r.requestId) });
    if (r.status === 'executed' && r.executedAt !== null) {
      const h = r.executedAt;
      out.push({ id: `block.${r.requestId}`, category: 'Explorer', title: `Open Block ${h} (executed ${what})`, keybinding: '', run: () => openBlock(h) });
    }
  }
  return out;
}

export function Palette() {
  const close = () => useStore.setState({ paletteOpen: false });
  const all = [...COMMANDS, ...dynamicCommands()];
  return (
    <Dialog title="Command palette" onClose={close} className="dialog-palette">
      <Cmdk label="Commands" className="palette" loop>
        <Cmdk.Input className="palette-input" placeholder="Type a command name" aria-label="Command" autoFocus />
        <Cmdk.List className="palette-list" aria-label="Commands">
          <Cmdk.Empty className="palette-empty">No command matches.</Cmdk.Empty>
          {all.map((c) => (
            <Cmdk.Item
              key={c.id}
              value={`${c.category}: ${c.title}`}
              keywords={c.keybinding ? [c.keybinding] : []}
              className="palette-item"
              onSelect={() => {
                close();
                c.run();
              }}
            >
              <span className="palette-title">
                <span className="palette-category">{c.category}:</span> {c.title}
              </span>
              {c.keybinding ? (
                <kbd className="palette-kb" aria-label={`keybinding ${c.keybinding}`}>
                  {displayKeybinding(c.keybinding)}
                </kbd>
              ) : null}
            </Cmdk.Item>
          ))}
        </Cmdk.List>
      </Cmdk>
    </Dialog>
  );
}
