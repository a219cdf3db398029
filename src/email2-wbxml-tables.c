/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The WBXML code pages of the two languages email2 reads: SyncML
 * (representation protocol 1.1 and 1.2: code page 0 SyncML, code page 1
 * MetInf; 1.1 uses a subset of 1.2's tokens) and OMA Client Provisioning
 * (WAP-183-PROVCONT, OMA-WAP-ProvCont 1.1: tags, attribute starts and
 * attribute values on code pages 0 and 1). The token values are the
 * specifications' own.
 */

#include "config.h"

#include "email2-wbxml-private.h"

static const Email2WbxmlTag syncml_tags[] = {
  { 0, 0x05, "Add" },
  { 0, 0x06, "Alert" },
  { 0, 0x07, "Archive" },
  { 0, 0x08, "Atomic" },
  { 0, 0x09, "Chal" },
  { 0, 0x0A, "Cmd" },
  { 0, 0x0B, "CmdID" },
  { 0, 0x0C, "CmdRef" },
  { 0, 0x0D, "Copy" },
  { 0, 0x0E, "Cred" },
  { 0, 0x0F, "Data" },
  { 0, 0x10, "Delete" },
  { 0, 0x11, "Exec" },
  { 0, 0x12, "Final" },
  { 0, 0x13, "Get" },
  { 0, 0x14, "Item" },
  { 0, 0x15, "Lang" },
  { 0, 0x16, "LocName" },
  { 0, 0x17, "LocURI" },
  { 0, 0x18, "Map" },
  { 0, 0x19, "MapItem" },
  { 0, 0x1A, "Meta" },
  { 0, 0x1B, "MsgID" },
  { 0, 0x1C, "MsgRef" },
  { 0, 0x1D, "NoResp" },
  { 0, 0x1E, "NoResults" },
  { 0, 0x1F, "Put" },
  { 0, 0x20, "Replace" },
  { 0, 0x21, "RespURI" },
  { 0, 0x22, "Results" },
  { 0, 0x23, "Search" },
  { 0, 0x24, "Sequence" },
  { 0, 0x25, "SessionID" },
  { 0, 0x26, "SftDel" },
  { 0, 0x27, "Source" },
  { 0, 0x28, "SourceRef" },
  { 0, 0x29, "Status" },
  { 0, 0x2A, "Sync" },
  { 0, 0x2B, "SyncBody" },
  { 0, 0x2C, "SyncHdr" },
  { 0, 0x2D, "SyncML" },
  { 0, 0x2E, "Target" },
  { 0, 0x2F, "TargetRef" },
  { 0, 0x31, "VerDTD" },
  { 0, 0x32, "VerProto" },
  { 0, 0x33, "NumberOfChanges" },
  { 0, 0x34, "MoreData" },
  { 0, 0x35, "Field" },
  { 0, 0x36, "Filter" },
  { 0, 0x37, "Record" },
  { 0, 0x38, "FilterType" },
  { 0, 0x39, "SourceParent" },
  { 0, 0x3A, "TargetParent" },
  { 0, 0x3B, "Move" },
  { 0, 0x3C, "Correlator" },
  { 1, 0x05, "Anchor" },
  { 1, 0x06, "EMI" },
  { 1, 0x07, "Format" },
  { 1, 0x08, "FreeID" },
  { 1, 0x09, "FreeMem" },
  { 1, 0x0A, "Last" },
  { 1, 0x0B, "Mark" },
  { 1, 0x0C, "MaxMsgSize" },
  { 1, 0x0D, "Mem" },
  { 1, 0x0E, "MetInf" },
  { 1, 0x0F, "Next" },
  { 1, 0x10, "NextNonce" },
  { 1, 0x11, "SharedMem" },
  { 1, 0x12, "Size" },
  { 1, 0x13, "Type" },
  { 1, 0x14, "Version" },
  { 1, 0x15, "MaxObjSize" },
  { 1, 0x16, "FieldLevel" },
  { 0, 0, NULL }
};

static const Email2WbxmlTag prov_tags[] = {
  { 0, 0x05, "wap-provisioningdoc" },
  { 0, 0x06, "characteristic" },
  { 0, 0x07, "parm" },
  { 1, 0x06, "characteristic" },
  { 1, 0x07, "parm" },
  { 0, 0, NULL }
};

/* An attribute start is a name and, for most, the start of its value. */
static const Email2WbxmlAttribute prov_attributes[] = {
  { 0, 0x45, "version", NULL },
  { 0, 0x46, "version", "1.0" },
  { 0, 0x50, "type", NULL },
  { 0, 0x51, "type", "PXLOGICAL" },
  { 0, 0x52, "type", "PXPHYSICAL" },
  { 0, 0x53, "type", "PORT" },
  { 0, 0x54, "type", "VALIDITY" },
  { 0, 0x55, "type", "NAPDEF" },
  { 0, 0x56, "type", "BOOTSTRAP" },
  { 0, 0x57, "type", "VENDORCONFIG" },
  { 0, 0x58, "type", "CLIENTIDENTITY" },
  { 0, 0x59, "type", "PXAUTHINFO" },
  { 0, 0x5A, "type", "NAPAUTHINFO" },
  { 0, 0x5B, "type", "ACCESS" },
  { 1, 0x50, "type", NULL },
  { 1, 0x53, "type", "PORT" },
  { 1, 0x58, "type", "CLIENTIDENTITY" },
  { 1, 0x55, "type", "APPLICATION" },
  { 1, 0x56, "type", "APPADDR" },
  { 1, 0x57, "type", "APPAUTH" },
  { 1, 0x59, "type", "RESOURCE" },
  { 0, 0x05, "name", NULL },
  { 0, 0x06, "value", NULL },
  { 0, 0x07, "name", "NAME" },
  { 0, 0x08, "name", "NAP-ADDRESS" },
  { 0, 0x09, "name", "NAP-ADDRTYPE" },
  { 0, 0x0A, "name", "CALLTYPE" },
  { 0, 0x0B, "name", "VALIDUNTIL" },
  { 0, 0x0C, "name", "AUTHTYPE" },
  { 0, 0x0D, "name", "AUTHNAME" },
  { 0, 0x0E, "name", "AUTHSECRET" },
  { 0, 0x0F, "name", "LINGER" },
  { 0, 0x10, "name", "BEARER" },
  { 0, 0x11, "name", "NAPID" },
  { 0, 0x12, "name", "COUNTRY" },
  { 0, 0x13, "name", "NETWORK" },
  { 0, 0x14, "name", "INTERNET" },
  { 0, 0x15, "name", "PROXY-ID" },
  { 0, 0x16, "name", "PROXY-PROVIDER-ID" },
  { 0, 0x17, "name", "DOMAIN" },
  { 0, 0x18, "name", "PROVURL" },
  { 0, 0x19, "name", "PXAUTH-TYPE" },
  { 0, 0x1A, "name", "PXAUTH-ID" },
  { 0, 0x1B, "name", "PXAUTH-PW" },
  { 0, 0x1C, "name", "STARTPAGE" },
  { 0, 0x1D, "name", "BASAUTH-ID" },
  { 0, 0x1E, "name", "BASAUTH-PW" },
  { 0, 0x1F, "name", "PUSHENABLED" },
  { 0, 0x20, "name", "PXADDR" },
  { 0, 0x21, "name", "PXADDRTYPE" },
  { 0, 0x22, "name", "TO-NAPID" },
  { 0, 0x23, "name", "PORTNBR" },
  { 0, 0x24, "name", "SERVICE" },
  { 0, 0x25, "name", "LINKSPEED" },
  { 0, 0x26, "name", "DNLINKSPEED" },
  { 0, 0x27, "name", "LOCAL-ADDR" },
  { 0, 0x28, "name", "LOCAL-ADDRTYPE" },
  { 0, 0x29, "name", "CONTEXT-ALLOW" },
  { 0, 0x2A, "name", "TRUST" },
  { 0, 0x2B, "name", "MASTER" },
  { 0, 0x2C, "name", "SID" },
  { 0, 0x2D, "name", "SOC" },
  { 0, 0x2E, "name", "WSP-VERSION" },
  { 0, 0x2F, "name", "PHYSICAL-PROXY-ID" },
  { 0, 0x30, "name", "CLIENT-ID" },
  { 0, 0x31, "name", "DELIVERY-ERR-SDU" },
  { 0, 0x32, "name", "DELIVERY-ORDER" },
  { 0, 0x33, "name", "TRAFFIC-CLASS" },
  { 0, 0x34, "name", "MAX-SDU-SIZE" },
  { 0, 0x35, "name", "MAX-BITRATE-UPLINK" },
  { 0, 0x36, "name", "MAX-BITRATE-DNLINK" },
  { 0, 0x37, "name", "RESIDUAL-BER" },
  { 0, 0x38, "name", "SDU-ERROR-RATIO" },
  { 0, 0x39, "name", "TRAFFIC-HANDL-PRIO" },
  { 0, 0x3A, "name", "TRANSFER-DELAY" },
  { 0, 0x3B, "name", "GUARANTEED-BITRATE-UPLINK" },
  { 0, 0x3C, "name", "GUARANTEED-BITRATE-DNLINK" },
  { 0, 0x3D, "name", "PXADDR-FQDN" },
  { 0, 0x3E, "name", "PROXY-PW" },
  { 0, 0x3F, "name", "PPGAUTH-TYPE" },
  { 0, 0x47, "name", "PULLENABLED" },
  { 0, 0x48, "name", "DNS-ADDR" },
  { 0, 0x49, "name", "MAX-NUM-RETRY" },
  { 0, 0x4A, "name", "FIRST-RETRY-TIMEOUT" },
  { 0, 0x4B, "name", "REREG-THRESHOLD" },
  { 0, 0x4C, "name", "T-BIT" },
  { 0, 0x4E, "name", "AUTH-ENTITY" },
  { 0, 0x4F, "name", "SPI" },
  { 1, 0x05, "name", NULL },
  { 1, 0x06, "value", NULL },
  { 1, 0x07, "name", "NAME" },
  { 1, 0x14, "name", "INTERNET" },
  { 1, 0x1C, "name", "STARTPAGE" },
  { 1, 0x22, "name", "TO-NAPID" },
  { 1, 0x23, "name", "PORTNBR" },
  { 1, 0x24, "name", "SERVICE" },
  { 1, 0x2E, "name", "AACCEPT" },
  { 1, 0x2F, "name", "AAUTHDATA" },
  { 1, 0x30, "name", "AAUTHLEVEL" },
  { 1, 0x31, "name", "AAUTHNAME" },
  { 1, 0x32, "name", "AAUTHSECRET" },
  { 1, 0x33, "name", "AAUTHTYPE" },
  { 1, 0x34, "name", "ADDR" },
  { 1, 0x35, "name", "ADDRTYPE" },
  { 1, 0x36, "name", "APPID" },
  { 1, 0x37, "name", "APROTOCOL" },
  { 1, 0x38, "name", "PROVIDER-ID" },
  { 1, 0x39, "name", "TO-PROXY" },
  { 1, 0x3A, "name", "URI" },
  { 1, 0x3B, "name", "RULE" },
  { 0, 0, NULL, NULL }
};

static const Email2WbxmlValue prov_values[] = {
  { 0, 0x85, "IPV4" },
  { 0, 0x86, "IPV6" },
  { 0, 0x87, "E164" },
  { 0, 0x88, "ALPHA" },
  { 0, 0x89, "APN" },
  { 0, 0x8A, "SCODE" },
  { 0, 0x8B, "TETRA-ITSI" },
  { 0, 0x8C, "MAN" },
  { 1, 0x86, "IPV6" },
  { 1, 0x87, "E164" },
  { 1, 0x88, "ALPHA" },
  { 1, 0x8D, "APPSRV" },
  { 1, 0x8E, "OBEX" },
  { 0, 0x90, "ANALOG-MODEM" },
  { 0, 0x91, "V.120" },
  { 0, 0x92, "V.110" },
  { 0, 0x93, "X.31" },
  { 0, 0x94, "BIT-TRANSPARENT" },
  { 0, 0x95, "DIRECT-ASYNCHRONOUS-DATA-SERVICE" },
  { 0, 0x9A, "PAP" },
  { 0, 0x9B, "CHAP" },
  { 0, 0x9C, "HTTP-BASIC" },
  { 0, 0x9D, "HTTP-DIGEST" },
  { 0, 0x9E, "WTLS-SS" },
  { 0, 0x9F, "MD5" },
  { 0, 0xA2, "GSM-USSD" },
  { 0, 0xA3, "GSM-SMS" },
  { 0, 0xA4, "ANSI-136-GUTS" },
  { 0, 0xA5, "IS-95-CDMA-SMS" },
  { 0, 0xA6, "IS-95-CDMA-CSD" },
  { 0, 0xA7, "IS-95-CDMA-PACKET" },
  { 0, 0xA8, "ANSI-136-CSD" },
  { 0, 0xA9, "ANSI-136-GPRS" },
  { 0, 0xAA, "GSM-CSD" },
  { 0, 0xAB, "GSM-GPRS" },
  { 0, 0xAC, "AMPS-CDPD" },
  { 0, 0xAD, "PDC-CSD" },
  { 0, 0xAE, "PDC-PACKET" },
  { 0, 0xAF, "IDEN-SMS" },
  { 0, 0xB0, "IDEN-CSD" },
  { 0, 0xB1, "IDEN-PACKET" },
  { 0, 0xB2, "FLEX/REFLEX" },
  { 0, 0xB3, "PHS-SMS" },
  { 0, 0xB4, "PHS-CSD" },
  { 0, 0xB5, "TRETRA-SDS" },
  { 0, 0xB6, "TRETRA-PACKET" },
  { 0, 0xB7, "ANSI-136-GHOST" },
  { 0, 0xB8, "MOBITEX-MPAK" },
  { 0, 0xB9, "CDMA2000-1X-SIMPLE-IP" },
  { 0, 0xBA, "CDMA2000-1X-MOBILE-IP" },
  { 0, 0xC5, "AUTOBAUDING" },
  { 0, 0xCA, "CL-WSP" },
  { 0, 0xCB, "CO-WSP" },
  { 0, 0xCC, "CL-SEC-WSP" },
  { 0, 0xCD, "CO-SEC-WSP" },
  { 0, 0xCE, "CL-SEC-WTA" },
  { 0, 0xCF, "CO-SEC-WTA" },
  { 0, 0xD0, "OTA-HTTP-TO" },
  { 0, 0xD1, "OTA-HTTP-TLS-TO" },
  { 0, 0xD2, "OTA-HTTP-PO" },
  { 0, 0xD3, "OTA-HTTP-TLS-PO" },
  { 1, 0x90, "," },
  { 1, 0x91, "HTTP-" },
  { 1, 0x92, "BASIC" },
  { 1, 0x93, "DIGEST" },
  { 0, 0xE0, "AAA" },
  { 0, 0xE1, "HA" },
  { 0, 0, NULL }
};

static const char * const syncml12_namespaces[] = { "SYNCML:SYNCML1.2", "syncml:metinf" };
static const char * const syncml11_namespaces[] = { "SYNCML:SYNCML1.1", "syncml:metinf" };
static const char * const prov_namespaces[] = { NULL, NULL };

static const Email2WbxmlLanguage languages[] = {
  { EMAIL2_WBXML_PUBLIC_ID_SYNCML12, "SyncML", syncml12_namespaces, syncml_tags, NULL, NULL },
  { EMAIL2_WBXML_PUBLIC_ID_SYNCML11, "SyncML", syncml11_namespaces, syncml_tags, NULL, NULL },
  { EMAIL2_WBXML_PUBLIC_ID_PROV10, "wap-provisioningdoc", prov_namespaces, prov_tags,
    prov_attributes, prov_values },
};

/**
 * email2_wbxml_language_by_id:
 * @public_id: a WBXML public identifier
 *
 * Returns: (nullable): the language, or %NULL when email2 does not read it
 */
const Email2WbxmlLanguage *
email2_wbxml_language_by_id (guint32 public_id)
{
  for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
    if (languages[i].public_id == public_id)
      return &languages[i];

  return NULL;
}

/**
 * email2_wbxml_language_by_root:
 * @root: the root element's name
 * @ns: (nullable): its namespace
 *
 * Returns: (nullable): the language a document of that root is written in
 */
const Email2WbxmlLanguage *
email2_wbxml_language_by_root (const char *root,
                               const char *ns)
{
  for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
    if (g_strcmp0 (languages[i].root, root) == 0 &&
        g_strcmp0 (languages[i].namespaces[0], ns) == 0)
      return &languages[i];

  return NULL;
}
