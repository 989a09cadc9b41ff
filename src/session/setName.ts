// The name of a set of inputs, as the page shows it (and `srop run --session` names its results
// the same way): plain, so that the command can use it without the page's stores.

/**
 * A set's name: its folder's ("digits/: 10 images") when every file is in one folder (sub-folders
 * of it included), else its
 * first file's ("cat.png and 9 more").
 */
export function setName(names: string[]): string {
  if (names.length === 1) return names[0];
  // The folders every file is in (the longest common folder path).
  let common = names[0].split('/').slice(0, -1);
  for (const n of names) {
    const dirs = n.split('/').slice(0, -1);
    let k = 0;
    while (k < common.length && k < dirs.length && common[k] === dirs[k]) k++;
    common = common.slice(0, k);
  }
  return common.length ? `${common.join('/')}/: ${names.length} images` : `${names[0]} and ${names.length - 1} more`;
}
