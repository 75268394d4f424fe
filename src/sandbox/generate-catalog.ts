/**
 * The fixed part of the sandbox's data: Connect's attributes, filters and source codes,
 * and Cadence's users and fields. The generated contacts refer to these, and
 * `sandboxFacts` says how to configure connect-sync against them.
 */
import type { CadenceField, CadenceUser, ConnectAttribute, ConnectFilter, ConnectSourceCode, ListItem } from '../core/types.js';

/**
 * Every attribute of the sandbox's contact record. `contactid` and `modifieddate` are
 * listed too (GetFilterContacts always returns them). `homephone` and `workphone` share
 * the label "Phone" so that resolving a label can be ambiguous.
 */
export const sandboxAttributes: readonly ConnectAttribute[] = [
  { name: 'contactid', mappingName: 'Contact ID', type: 'number' },
  { name: 'modifieddate', mappingName: 'Modified Date', type: 'date' },
  { name: 'firstname', mappingName: 'First Name', type: 'text' },
  { name: 'lastname', mappingName: 'Last Name', type: 'text' },
  { name: 'mobilephone', mappingName: 'Mobile Phone', type: 'text' },
  { name: 'homephone', mappingName: 'Phone', type: 'text' },
  { name: 'workphone', mappingName: 'Phone', type: 'text' },
  { name: 'email', mappingName: 'Email', type: 'text' },
  { name: 'city', mappingName: 'City', type: 'text' },
  { name: 'sms_status', mappingName: 'SMS Status', type: 'text' },
  { name: 'counselor_id', mappingName: 'Counselor User ID', type: 'text' },
  { name: 'program_interest', mappingName: 'Program of Interest', type: 'list' },
  { name: 'entry_term', mappingName: 'Entry Term', type: 'text' },
];

/**
 * The options of `program_interest`; displays carry `&` and `'` on purpose (escaping).
 * Frozen: contacts share them, and the Connect emulator caches the markup of frozen lists.
 */
export const programOptions: readonly ListItem[] = Object.freeze(
  [
    { value: 'BIO', display: 'Biology' },
    { value: 'CHEM', display: 'Chemistry' },
    { value: 'CS', display: 'Computer Science' },
    { value: 'NURS', display: 'Nursing' },
    { value: 'BUS', display: 'Business Administration' },
    { value: 'PSY', display: 'Psychology' },
    { value: 'ART', display: 'Art & Design' },
    { value: 'PLAW', display: "Pre-Law (Int'l)" },
  ].map((option) => Object.freeze(option)),
);

export const sandboxFilters: readonly ConnectFilter[] = [
  { id: 70542, name: 'Fall 2027 inquiries' },
  { id: 70611, name: 'Fall 2027 applicants' },
  { id: 70733, name: 'Transfer students' },
];

export const sandboxSourceCodes: readonly ConnectSourceCode[] = [
  { code: 'CADENCE', description: 'Changes made by Cadence' },
  { code: 'WEBFORM', description: 'Inquiry form on the website' },
  { code: 'FAIR', description: 'College fair scans' },
];

export const sandboxUsers: readonly CadenceUser[] = [
  { userId: 'jdoe', firstName: 'Jane', lastName: 'Doe', email: 'jdoe@example.edu', active: true },
  { userId: 'asmith', firstName: 'Alan', lastName: 'Smith', email: 'asmith@example.edu', active: true },
  { userId: 'mgarcia', firstName: 'María', lastName: 'García', email: 'mgarcia@example.edu', active: true },
  { userId: 'kwilliams', firstName: 'Keisha', lastName: 'Williams', email: 'kwilliams@example.edu', active: true },
  { userId: 'tnguyen', firstName: 'Thảo', lastName: 'Nguyễn', email: 'tnguyen@example.edu', active: true },
  { userId: 'rpatel', firstName: 'Rohan', lastName: 'Patel', email: 'rpatel@example.edu', active: true },
  { userId: 'lchen', firstName: 'Li', lastName: 'Chen', email: 'lchen@example.edu', active: true },
  { userId: 'bjohnson', firstName: 'Brooke', lastName: "O'Johnson", email: 'bjohnson@example.edu', active: true },
];

export const sandboxFields: readonly CadenceField[] = [
  { name: 'Program', label: 'Program of interest', required: false },
  { name: 'Entry Term', label: 'Entry term', required: false },
  { name: 'Home City', label: 'Home city', required: false },
];

/** What a config needs to point connect-sync at the sandbox (the `sandbox` command prints it). */
export const sandboxFacts = {
  standardFields: { firstName: 'firstname', lastName: 'lastname', mobileNumber: 'mobilephone', userIdentification: 'counselor_id' },
  optOut: { field: 'sms_status', optedInValue: 'Opted In', optedOutValue: 'Opted Out' },
  additionalFields: [
    { contactField: 'program_interest', cadenceField: 'Program', hasList: true },
    { contactField: 'entry_term', cadenceField: 'Entry Term', hasList: false },
    { contactField: 'city', cadenceField: 'Home City', hasList: false },
  ],
  filterIds: sandboxFilters.map((filter) => filter.id),
  sourceCode: 'CADENCE',
  userIds: sandboxUsers.map((user) => user.userId),
  fieldNames: sandboxFields.map((field) => field.name),
  /** Two attributes share this label (`homephone`, `workphone`). */
  ambiguousLabel: 'Phone',
} as const;
