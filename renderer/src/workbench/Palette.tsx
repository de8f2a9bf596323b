import { Command as Cmdk } from 'cmdk';
import { activeKeybinding, displayKeybinding } from './commands.js';
import { registeredCommands, registeredDynamicCommands } from './registry.js';
import { closePalette, useStore } from '../store.js';
import { Dialog } from '../common/ui.js';

/** The command palette: every command with the binding that applies here, or the targets a command asks for. */
export function Palette() {
  const pick = useStore((s) => s.quickPick);
  return pick ? <QuickPickList /> : <CommandList />;
}

function CommandList() {
  const all = [...registeredCommands(), ...registeredDynamicCommands()];
  return (
    <Dialog title="Command palette" onClose={closePalette} className="dialog-palette">
      <Cmdk label="Commands" className="palette" loop>
        <Cmdk.Input className="palette-input" placeholder="Type a command name" aria-label="Command" />
        <Cmdk.List className="palette-list" aria-label="Commands">
          <Cmdk.Empty className="palette-empty">No command matches.</Cmdk.Empty>
          {all.map((c) => {
            const kb = activeKeybinding(c);
            return (
              <Cmdk.Item
                key={c.id}
                value={`${c.category}: ${c.title}`}
                keywords={kb ? [kb] : []}
                className="palette-item"
                onSelect={() => {
                  closePalette();
                  c.run();
                }}
              >
                <span className="palette-title">
                  <span className="palette-category">{c.category}:</span> {c.title}
                </span>
                {kb ? (
                  <kbd className="palette-kb" aria-label={`keybinding ${kb}`}>
                    {displayKeybinding(kb)}
                  </kbd>
                ) : null}
              </Cmdk.Item>
            );
          })}
        </Cmdk.List>
      </Cmdk>
    </Dialog>
  );
}

function QuickPickList() {
  const pick = useStore((s) => s.quickPick);
  if (!pick) return null;
  return (
    <Dialog title={pick.placeholder} onClose={closePalette} className="dialog-palette">
      <Cmdk label={pick.placeholder} className="palette" loop>
        <Cmdk.Input className="palette-input" placeholder={pick.placeholder} aria-label={pick.placeholder} />
        <Cmdk.List className="palette-list" aria-label="Choices">
          <Cmdk.Empty className="palette-empty">Nothing matches.</Cmdk.Empty>
          {pick.items.map((item) => (
            <Cmdk.Item
              key={item.id}
              value={`${item.title} ${item.id}`}
              className="palette-item"
              onSelect={() => {
                closePalette();
                item.run();
              }}
            >
              <span className="palette-title">{item.title}</span>
              {item.detail ? <span className="palette-detail">{item.detail}</span> : null}
            </Cmdk.Item>
          ))}
        </Cmdk.List>
      </Cmdk>
    </Dialog>
  );
}
