#pragma once
// RFC 4515 search filters for the VZD (vzd-ldap.md §3). Pure functions, no I/O.
//
// escape_filter_value() escapes an assertion value: `*`, `(`, `)`, `\`, NUL and every
// byte outside printable ASCII become `\xx`, so user input can never change a filter's
// structure. The builders return complete filters; every value they take is escaped.
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::ldap {

std::string escape_filter_value(std::string_view value);

// (mail=<addr>)
std::string filter_by_mail(std::string_view mail);
// (telematikID=<id>)
std::string filter_by_telematik_id(std::string_view telematik_id);
// (&(domainID=<IK>)(entryType=5)) — never by domainID alone (domainID is not unique).
std::string filter_insurer_by_ik(std::string_view ik);
// (&(|(professionOID=o1)(professionOID=o2)...)(|(domainID=<region>)(st=<state>)))
// A KV by its profession OID(s), narrowed to one region by its code (domainID) or Land (st).
std::string filter_kv(const std::vector<std::string>& profession_oids, std::string_view region_code,
                      std::string_view state_name);
// Address-book name search: (|(displayName=*v*)(cn=*v*)(sn=*v*)(givenName=*v*)(mail=*v*)(telematikID=*v*))
std::string filter_name_search(std::string_view text);

}  // namespace kimgate::ldap
