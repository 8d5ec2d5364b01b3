// Where two replays of one trace disagree first, for a readable failure.

export function firstDifference(name: string, node: string, other: string, otherName: string): string {
  const a = node.split("\n");
  const b = other.split("\n");
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `${name}: output line ${i + 1}: Node "${a[i] ?? "<end>"}", ${otherName} "${b[i] ?? "<end>"}"`;
}
