"""The demonstration's organisations and people (passwords for a local demonstration only)."""
from oversight.models import Rank, Role

FORCES = [
    ("south-mercia", "South Mercia Police", "facial.recognition@southmercia.police.example"),
    ("north-wessex", "North Wessex Police", "fr-enquiries@northwessex.police.example"),
]

# The national pool's ten vans as the 2025 national rollout allocated them: two vans to each force or pair of
# forces sharing them (force code, force name). These forces have no people in the demonstration.
ROLLOUT_FORCES = [
    ("greater-manchester", "Greater Manchester Police"),
    ("west-yorkshire", "West Yorkshire Police"),
    ("bedfordshire", "Bedfordshire Police"),
    ("surrey", "Surrey Police"),
    ("sussex", "Sussex Police"),
    ("thames-valley", "Thames Valley Police"),
    ("hampshire", "Hampshire and Isle of Wight Constabulary"),
]
VAN_ALLOCATION = [  # (van numbers, the forces it is allocated to, jointly when more than one)
    ((1, 2), ("greater-manchester",)),
    ((3, 4), ("west-yorkshire",)),
    ((5, 6), ("bedfordshire",)),
    ((7, 8), ("surrey", "sussex")),
    ((9, 10), ("thames-valley", "hampshire")),
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
