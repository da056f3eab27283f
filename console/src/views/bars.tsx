/** A horizontal bar chart in plain SVG-free markup: one labelled bar per row, values shown as text too. */
export function Bars({ title, rows, format }: { title: string; rows: Array<[string, number]>; format: (n: number) => string }) {
  const max = Math.max(1e-9, ...rows.map(([, v]) => v));
  return (
    <figure class="bars">
      <figcaption>{title}</figcaption>
      {rows.length === 0 ? <p>Nothing in this period.</p> : (
        <ul>
          {rows.map(([label, v]) => (
            <li key={label}>
              <span class="label">{label}</span>
              <span class="bar" style={{ width: `${(v / max) * 100}%` }} aria-hidden="true" />
              <span class="value">{format(v)}</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
