import { useEffect, useId, useState, type FormEvent } from 'react';
import type { SerializedError } from '../../../../../core/contract/index.js';
import { client } from '../../../common/client.js';
import { useSubmit } from '../../../common/useSubmit.js';
import { Dialog, Empty, ErrorAlert } from '../../../common/ui.js';
import { closeDialog } from '../../../store.js';
import { toSerializedError } from '../../../transport/index.js';
import { refreshAddresses, useWorkspaceData } from '../../../common/workspaceData.js';

/** The workspace's address book: named destinations, picked from in the New withdrawal dialog. */
export function AddressBookDialog() {
  const id = useId();
  const addresses = useWorkspaceData((s) => s.addresses);
  const loadError = useWorkspaceData((s) => s.addressError);
  const [name, setName] = useState('');
  const [destination, setDestination] = useState('');
  const [note, setNote] = useState('');
  const { busy, error: addError, run } = useSubmit();
  const [removeError, setRemoveError] = useState<{ name: string; error: SerializedError } | null>(null);

  useEffect(() => {
    void refreshAddresses();
  }, []);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    await run(async () => {
      await client().call('addressBook.add', { name: name.trim(), destination: destination.trim(), note: note.trim() });
      setName('');
      setDestination('');
      setNote('');
      await refreshAddresses();
    });
  };

  const remove = async (n: string) => {
    setRemoveError(null);
    try {
      await client().call('addressBook.remove', { name: n });
      await refreshAddresses();
    } catch (err) {
      setRemoveError({ name: n, error: toSerializedError(err) });
    }
  };

  return (
    <Dialog
      title="Address book"
      onClose={closeDialog}
      wide
      description="Named withdrawal destinations of this workspace. The chain sees only the destination; names are for you."
    >
      {loadError ? <ErrorAlert error={loadError} title="The address book could not be read" /> : null}
      {addresses && addresses.length === 0 ? <Empty>No named destinations yet.</Empty> : null}
      {addresses && addresses.length > 0 ? (
        <table className="table" aria-label="Named destinations">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Destination</th>
              <th scope="col">Note</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {addresses.map((a) => (
              <tr key={a.name}>
                <th scope="row" className="truncate" title={a.name}>
                  {a.name}
                </th>
                <td className="break">
                  <code>{a.destination}</code>
                </td>
                <td>{a.note || <span className="muted">—</span>}</td>
                <td className="actions">
                  <button type="button" className="button button-small" aria-label={`Remove ${a.name}`} onClick={() => void remove(a.name)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {removeError ? <ErrorAlert error={removeError.error} title={`“${removeError.name}” was not removed`} /> : null}
      <form aria-label="Add a destination" className="form" onSubmit={(e) => void add(e)}>
        <h3 className="field-label">Add a destination</h3>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input id={`${id}-name`} value={name} required maxLength={64} autoFocus autoComplete="off" onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-dest`}>Destination</label>
            <input
              id={`${id}-dest`}
              value={destination}
              required
              maxLength={128}
              autoComplete="off"
              spellCheck={false}
              aria-describedby={`${id}-dest-hint`}
              onChange={(e) => setDestination(e.target.value)}
            />
            <span id={`${id}-dest-hint`} className="field-hint">
              1–128 printable characters, no spaces.
            </span>
          </div>
        </div>
        <div className="field">
          <label htmlFor={`${id}-note`}>Note</label>
          <input id={`${id}-note`} value={note} maxLength={256} autoComplete="off" onChange={(e) => setNote(e.target.value)} />
        </div>
        {addError ? <ErrorAlert error={addError} title="Not added" /> : null}
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={closeDialog}>
            Close
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add destination'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
