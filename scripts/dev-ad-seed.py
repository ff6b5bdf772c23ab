"""Seeds the dev domain (run by scripts/dev-ad with Debian's /usr/bin/python3, offline on sam.ldb).

  dev-ad-seed.py SMB_CONF SAM_LDB SEED_JSON ADMIN_PASSWORD   create OUs, users, groups; write SEED_JSON
  dev-ad-seed.py --sdprop SMB_CONF SAM_LDB SEED_JSON         do what AD's SDProp would do
"""
import json
import secrets
import sys

import ldb
from samba.auth import system_session
from samba.dcerpc import security
from samba.ndr import ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB
from samba.sd_utils import SDUtils

REALM = "LATCHKEY.TEST"
DNS_DOMAIN = "latchkey.test"
NETBIOS = "LATCHKEY"

STAFF = [
    ("Ava", "Thompson"), ("Liam", "Carter"), ("Mia", "Okafor"), ("Noah", "Fischer"),
    ("Emma", "Lindqvist"), ("Lucas", "Moreau"), ("Sofia", "Rossi"), ("Ethan", "Nakamura"),
    ("Chloe", "Dubois"), ("Mateo", "Garcia"), ("Zoe", "Kowalski"), ("Oliver", "Haddad"),
    ("Isla", "Brennan"), ("Leo", "Andersen"), ("Nora", "Petrov"), ("Hugo", "Silva"),
    ("Ella", "Novak"), ("Jack", "O'Neill"), ("Aria", "Mensah"), ("Finn", "Schneider"),
    ("Lena", "Horvath"), ("Omar", "Farouk"), ("Ruby", "Walsh"), ("Theo", "Laurent"),
]
CONTRACTORS = [("Kai", "Jensen"), ("Maya", "Patel"), ("Ivan", "Sokolov"), ("Lily", "Chen")]
VENDORS = [("Paul", "Becker"), ("Rosa", "Alvarez"), ("Sam", "Whitfield")]


def open_samdb(smb_conf, sam_ldb):
    lp = LoadParm()
    lp.load(smb_conf)
    return SamDB(url=sam_ldb, session_info=system_session(), lp=lp)


def sam_name(given, surname):
    return (given[0] + surname).lower().replace("'", "")


def sid_of(samdb, dn):
    res = samdb.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["objectSid"])
    return str(ndr_unpack(security.dom_sid, res[0]["objectSid"][0]))


def add_user(samdb, ou_dn, sam, given, surname, password, index, extra=None):
    dn = f"CN={given} {surname},{ou_dn}"
    samdb.newuser(sam, password, useusernameascn=None, userou=ou_dn.split(f",{samdb.domain_dn()}")[0],
                  givenname=given, surname=surname, mailaddress=f"{sam}@{DNS_DOMAIN}")
    changes = {
        "mobile": f"+1555010{index:04d}",
        "displayName": f"{given} {surname}",
    }
    changes.update(extra or {})
    msg = ldb.Message(ldb.Dn(samdb, dn))
    for attr, value in changes.items():
        msg[attr] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, attr)
    samdb.modify(msg)
    return dn


def seed(smb_conf, sam_ldb, seed_json, admin_password):
    samdb = open_samdb(smb_conf, sam_ldb)
    base = str(samdb.domain_dn())
    # Passwords that satisfy the seeded policy (length >= 12, three character classes).
    user_password = "Seed-" + secrets.token_hex(6) + "-Aa1"
    service_password = "Svc-" + secrets.token_hex(12) + "-Aa1"

    ous = {
        "staff": f"OU=Staff,{base}",
        "contractors": f"OU=Contractors,{base}",
        "vendors": f"OU=Vendors,{base}",
        "serviceAccounts": f"OU=Service Accounts,{base}",
        "groups": f"OU=Groups,{base}",
    }
    for dn in ous.values():
        samdb.create_ou(dn)

    users = {"staff": [], "contractors": [], "vendors": []}
    index = 0
    for key, people in (("staff", STAFF), ("contractors", CONTRACTORS), ("vendors", VENDORS)):
        for given, surname in people:
            index += 1
            sam = sam_name(given, surname)
            add_user(samdb, ous[key], sam, given, surname, user_password, index)
            users[key].append(sam)

    # Portal roles: a helpdesk operator and a portal admin, both ordinary staff members.
    helpdesk_dn = add_user(samdb, ous["staff"], "hd-olivia", "Olivia", "Grant", user_password, 90)
    admin_dn = add_user(samdb, ous["staff"], "lk-admin", "Pat", "Admin", user_password, 91)
    # The protected user: a Domain Admins member living in a delegated OU.
    protected_dn = add_user(samdb, ous["staff"], "it-admin", "Ines", "Admin", user_password, 92)

    svc_sam = "svc-latchkey"
    samdb.newuser(svc_sam, service_password, useusernameascn=None, userou=ous["serviceAccounts"].split(f",{base}")[0],
                  givenname="Latchkey", surname="Service")
    svc_dn = f"CN=Latchkey Service,{ous['serviceAccounts']}"
    msg = ldb.Message(ldb.Dn(samdb, svc_dn))
    # A service account's password must not expire under it.
    msg["userAccountControl"] = ldb.MessageElement(str(0x200 | 0x10000), ldb.FLAG_MOD_REPLACE,
                                                   "userAccountControl")
    samdb.modify(msg)

    groups_ou = ous["groups"].split(f",{base}")[0]
    for name in ("Latchkey Helpdesk", "Latchkey Admins", "Strict Password Users"):
        samdb.newgroup(name, groupou=groups_ou)
    samdb.add_remove_group_members("Latchkey Helpdesk", ["hd-olivia"], add_members_operation=True)
    samdb.add_remove_group_members("Latchkey Admins", ["lk-admin"], add_members_operation=True)
    samdb.add_remove_group_members("Domain Admins", ["it-admin"], add_members_operation=True)

    facts = {
        "realm": REALM,
        "dnsDomain": DNS_DOMAIN,
        "netbiosDomain": NETBIOS,
        "baseDn": base,
        "domainSid": str(samdb.get_domain_sid()),
        "admin": {"dn": f"CN=Administrator,CN=Users,{base}", "upn": f"Administrator@{DNS_DOMAIN}",
                  "password": admin_password},
        "serviceAccount": {"dn": svc_dn, "sam": svc_sam, "upn": f"{svc_sam}@{DNS_DOMAIN}",
                           "password": service_password, "sid": sid_of(samdb, svc_dn)},
        "userPassword": user_password,
        "ous": ous,
        "delegatedOus": [ous["staff"], ous["contractors"]],
        "users": users,
        "protectedUser": {"sam": "it-admin", "dn": protected_dn},
        "helpdesk": {"group": f"CN=Latchkey Helpdesk,{ous['groups']}", "member": "hd-olivia",
                     "memberDn": helpdesk_dn},
        "admins": {"group": f"CN=Latchkey Admins,{ous['groups']}", "member": "lk-admin",
                   "memberDn": admin_dn},
        "strictPasswordGroup": f"CN=Strict Password Users,{ous['groups']}",
    }
    with open(seed_json, "w") as f:
        json.dump(facts, f, indent=2)


def sdprop(smb_conf, sam_ldb, seed_json):
    """Does to the protected user what AD's SDProp does hourly and Samba never does."""
    samdb = open_samdb(smb_conf, sam_ldb)
    facts = json.load(open(seed_json))
    sd_utils = SDUtils(samdb)
    holder = f"CN=AdminSDHolder,CN=System,{facts['baseDn']}"
    sd = sd_utils.read_sd_on_dn(holder)
    # Protected from inheritance: the OU's delegated ACEs no longer reach the account.
    sd.type |= security.SEC_DESC_DACL_PROTECTED
    target = facts["protectedUser"]["dn"]
    sd_utils.modify_sd_on_dn(target, sd)
    msg = ldb.Message(ldb.Dn(samdb, target))
    msg["adminCount"] = ldb.MessageElement("1", ldb.FLAG_MOD_REPLACE, "adminCount")
    samdb.modify(msg)
    sddl = sd_utils.get_sd_as_sddl(target)
    if "D:P" not in sddl or facts["serviceAccount"]["sid"] in sddl:
        sys.exit(f"the protected user's descriptor is not what SDProp would leave: {sddl}")


if __name__ == "__main__":
    if sys.argv[1] == "--sdprop":
        sdprop(*sys.argv[2:5])
    else:
        seed(*sys.argv[1:5])
