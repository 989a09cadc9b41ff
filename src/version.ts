// The app's name and version (package.json's), written into every export of the page and the command.
import { version } from '../package.json';

export const APP_NAME = 'SROP lab';
export const APP_VERSION: string = version;
