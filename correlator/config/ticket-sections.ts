// Everything after correlation in one place for the config loader: the sections `language`,
// `tickets`, `sla`, `escalation`, `notify`, `itsm` and `api`, their cross-checks (reported as
// file:line errors by the loader) and the settings they resolve to.

import { apiSectionSchema, resolveApiSection, type ApiSection, type ApiSettings } from '../api/config.js';
import { checkEscalationSections, escalationSectionSchema, resolveEscalationSections, slaSectionSchema, type EscalationSection, type EscalationSettings, type SlaSection } from '../escalate/config.js';
import { itsmSectionSchema, type ItsmSection, type ItsmSpec } from '../itsm/config.js';
import { checkNotifySection, notifySectionSchema, resolveNotifySection, type NotifySection, type NotifySettings } from '../notify/config.js';
import { checkTicketsSection, languageSchema, resolveTicketsSection, ticketsSectionSchema, type TicketsSection, type TicketsSettings } from '../ticket/config.js';
import type { Language } from '../ticket/i18n.js';

export const ticketStageSchemas = {
  language: languageSchema,
  tickets: ticketsSectionSchema,
  sla: slaSectionSchema,
  escalation: escalationSectionSchema,
  notify: notifySectionSchema,
  itsm: itsmSectionSchema,
  api: apiSectionSchema,
} as const;

export interface TicketStageFile {
  language?: Language;
  tickets?: TicketsSection;
  sla?: SlaSection;
  escalation?: EscalationSection;
  notify?: NotifySection;
  itsm?: ItsmSection;
  api?: ApiSection;
}

export interface TicketStageConfig {
  tickets: TicketsSettings;
  escalation: EscalationSettings;
  notify: NotifySettings;
  itsm: ReadonlyMap<string, ItsmSpec>;
  /** Absent: no HTTP API. */
  api?: ApiSettings;
}

export function checkTicketStage(file: TicketStageFile): Array<{ path: Array<string | number>; message: string }> {
  return [...checkTicketsSection(file.tickets), ...checkEscalationSections(file.sla, file.escalation, Object.keys(file.notify?.channels ?? {})), ...checkNotifySection(file.notify)];
}

export function resolveTicketStage(file: TicketStageFile): TicketStageConfig {
  return {
    tickets: resolveTicketsSection(file.tickets, file.language),
    escalation: resolveEscalationSections(file.sla, file.escalation),
    notify: resolveNotifySection(file.notify),
    itsm: new Map(Object.entries(file.itsm ?? {})),
    ...(file.api ? { api: resolveApiSection(file.api) } : {}),
  };
}
