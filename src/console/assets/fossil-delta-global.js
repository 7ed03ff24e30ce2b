// fossil-delta ships as an ES module only: this module loads it and hands it to the console's
// classic scripts as window.fossilDelta (applyDelta(base, delta)).
import * as fossilDelta from './fossil-delta.js';

window.fossilDelta = fossilDelta;
