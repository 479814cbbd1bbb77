// Writes generated/aws-managed-policies.json (default versions only) for fast start-up.
import { writeCompactCatalog } from '../src/catalog/aws-managed-policies.ts';
writeCompactCatalog();
