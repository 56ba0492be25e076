/** The `iot` source's registry entry: imported by the registry and by the iot scan worker alone (its bundle holds only this source). */
import type { SourcePlugin } from '../plugin';
import { defaultIotClient, IotSource, iotOptions } from './iot-source';

export const iotPlugin: SourcePlugin = {
  summary: 'IoT Core device certificates and registered CA certificates in each region',
  regional: true,
  create: (s, c) =>
    new IotSource(
      s.regions ?? [],
      (region) => defaultIotClient(region, c.clientOverrides?.(region)),
      iotOptions(s.options),
    ),
};
