/**
 * A number input bound to one setting. It keeps the text being typed locally and commits
 * only a valid value, so clearing the field to retype does not snap it back, and an
 * invalid entry is marked (aria-invalid) and explained instead of silently clamped.
 */
import { useEffect, useId, useState } from 'react';

export function NumberField({
  label,
  value,
  onCommit,
  min,
  max,
  step = 1,
  integer = false,
  disabled = false,
  hint,
  name,
}: {
  label: string;
  value: number;
  onCommit: (v: number) => void;
  min: number;
  max: number;
  step?: number;
  integer?: boolean;
  disabled?: boolean;
  hint?: string;
  name: string;
}) {
  const id = useId();
  const [text, setText] = useState(String(value));
  useEffect(() => setText((t) => (Number(t) === value && t.trim() !== '' ? t : String(value))), [value]);
  const n = Number(text);
  const valid = text.trim() !== '' && Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n));
  const problem = valid ? null : `${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type="number"
        inputMode={integer ? 'numeric' : 'decimal'}
        min={min}
        max={max}
        step={step}
        value={text}
        disabled={disabled}
        aria-invalid={!valid}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          setText(e.target.value);
          const v = Number(e.target.value);
          if (e.target.value.trim() !== '' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v))) onCommit(v);
        }}
        onBlur={() => setText(String(value))}
      />
      <small id={`${id}-hint`} className={problem ? 'field-problem' : 'muted'}>
        {problem ? `Expected ${problem}.` : hint}
      </small>
    </div>
  );
}
