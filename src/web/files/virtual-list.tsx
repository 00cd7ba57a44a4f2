import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

/**
 * Renders only the rows in view (plus a margin), so a folder of 10,000 entries costs the
 * same as one of 50. Rows have a fixed height; the list scrolls inside its own box, and
 * each item tells assistive technology its position in the whole list. Rows are keyed by
 * item, not position, so a row's state (an open actions menu) stays with its item when a
 * reload inserts or removes rows above it.
 */
export function VirtualList<T>(props: {
  items: T[];
  rowHeight: number;
  label: string;
  keyOf: (item: T) => string;
  render: (item: T, index: number) => ComponentChildren;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const overscan = 8;
  const first = Math.max(0, Math.floor(scrollTop / props.rowHeight) - overscan);
  const last = Math.min(props.items.length, Math.ceil((scrollTop + height) / props.rowHeight) + overscan);
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) {
    const item = props.items[i] as T;
    rows.push(
      <li
        aria-setsize={props.items.length}
        aria-posinset={i + 1}
        class="vrow"
        key={props.keyOf(item)}
        style={{ transform: `translateY(${i * props.rowHeight}px)`, height: `${props.rowHeight}px` }}
      >
        {props.render(item, i)}
      </li>,
    );
  }
  return (
    <div ref={box} class="vlist" onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <ul class="vspace" aria-label={props.label} style={{ height: `${props.items.length * props.rowHeight}px` }}>
        {rows}
      </ul>
    </div>
  );
}
