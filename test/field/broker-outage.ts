// A long broker outage (a host reboot): Mosquitto stopped for 60 s with the fleet connected.
// The agents' backoff then spaces their attempts up to a minute apart, so the last come back
// about a minute after the broker does, at the edge of the correlator's link grace. Too long
// for the default suite: `npm run check:field` runs it.

import t from 'tap';
import { brokerRestart } from '../helpers/field-scene.js';

t.test('broker down 60 s: agents reconnect and re-announce, at most one incident', (t) => brokerRestart(t, 60_000));
