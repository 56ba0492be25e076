/** The `iam` source's registry entry: imported by the registry and by the iam scan worker alone (its bundle holds only this source). */
import type { SourcePlugin } from '../plugin';
import { defaultIamClients, IamSource, iamSourceOptions } from './iam-source';

export const iamPlugin: SourcePlugin = {
  summary: 'IAM server certificates (global), with the CloudFront and load balancer listeners using them',
  regional: false,
  create: (s, c) =>
    new IamSource(iamSourceOptions(s.options), (region) => defaultIamClients(region, c.clientOverrides)),
};
