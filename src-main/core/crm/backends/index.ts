// The CRMs this build supports, for Settings -> CRM (see ../crm-service.ts).
import type { CrmBackend } from '../crm-service';
import { amoCrmBackend } from './amocrm-backend';
import { bitrix24Backend } from './bitrix24-backend';
import { genericBackend } from './generic-backend';
import { odooBackend } from './odoo-backend';
import { retailCrmBackend } from './retailcrm-backend';

export const CRM_BACKENDS: readonly CrmBackend[] = [amoCrmBackend, bitrix24Backend, retailCrmBackend, odooBackend, genericBackend];
