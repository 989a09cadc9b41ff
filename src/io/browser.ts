// The page's readers: HDF5 files go to a worker running h5wasm (a chunk of its own, loaded the
// first time such a file is opened: no cost to the first page load).

import { setHdf5Opener } from './open';

setHdf5Opener((blob) => import('./hdf5Browser').then((m) => m.openHdf5Blob(blob)));
