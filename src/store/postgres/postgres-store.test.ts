import { describeStoreContract } from '../store.contract.js';
import { openPostgresStore } from './open-postgres-store.js';
import { freshSchemaUrl } from './test-support/test-database.js';

describeStoreContract('PostgreSQL', () => openPostgresStore(freshSchemaUrl('contract')));
