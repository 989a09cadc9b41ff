// The page's readers: HDF5 files go to a worker running h5wasm (a chunk of its own, loaded the
// first time such a file is opened: no cost to the first page load).

import { setHdf5Opener } from './open';

setHdf5Opener(async (blob, name) => {
  // The page's files are the browser's own Blobs (a File picked or dropped): the worker reads those.
  if (!(blob instanceof Blob)) throw new Error(`${name}: an HDF5 file in the page must be a browser file`);
  return import('./hdf5Browser').then((m) => m.openHdf5Blob(blob));
});
