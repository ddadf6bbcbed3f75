"""The demonstration's organisations and people (passwords for a local demonstration only)."""
from oversight.models import Rank, Role

FORCES = [
    ("south-mercia", "South Mercia Police", "facial.recognition@southmercia.police.example"),
    ("north-wessex", "North Wessex Police", "fr-enquiries@northwessex.police.example"),
]

# username, password, role, force code, rank, first, last
PEOPLE = [
    ("oversight.admin", "oversight-admin-demo", Role.OVERSIGHT_ADMIN, None, None, "Olivia", "Okafor"),
    ("oversight.auditor", "oversight-auditor-demo", Role.OVERSIGHT_AUDITOR, None, None, "Amir", "Hussain"),
    ("sm.admin", "sm-admin-demo", Role.FORCE_ADMIN, "south-mercia", Rank.CHIEF_INSPECTOR, "Fran", "Lewis"),
    ("sm.approver", "sm-approver-demo", Role.FORCE_APPROVER, "south-mercia", Rank.SUPERINTENDENT, "Sam", "Patel"),
    ("sm.inspector", "sm-inspector-demo", Role.FORCE_APPROVER, "south-mercia", Rank.INSPECTOR, "Ian", "Moore"),
    ("sm.operator", "sm-operator-demo", Role.FORCE_OPERATOR, "south-mercia", Rank.CONSTABLE, "Olu", "Adeyemi"),
    ("nw.approver", "nw-approver-demo", Role.FORCE_APPROVER, "north-wessex", Rank.SUPERINTENDENT, "Bea", "Jones"),
    ("nw.operator", "nw-operator-demo", Role.FORCE_OPERATOR, "north-wessex", Rank.SERGEANT, "Ben", "Clarke"),
]
