"""Word lists for the possible-name screen in `flows.anonymity` (pure data, no I/O).

* ``FORENAMES``: given names common in England (several heritages). A capitalised one is a possible name on
  its own ("Kelly's partner"), except the ones in ``AMBIGUOUS_FORENAMES``, which are also ordinary words or
  places ("Grace", "May", "Jordan", "Victoria") and count only with a surname after them.
* ``SURNAMES``: family names common in England that are not ordinary words; a capitalised word before one
  ("Kacper Nowak") or a title before any capitalised word ("Mrs Patel") reads as a name.
* ``NOT_NAMES``: capitalised words met in panel text that are never part of a person's name here: agencies,
  services, places in the partnerships' areas, days, months, job titles, review words, the subject labels.
* ``INSTITUTION_WORDS``: words that make what comes before them a place or a body ("Mary Seacole House",
  "Victoria Road", "St Mary's Hospital"), and ``BEFORE_INSTITUTION``: words before a name that make it a
  place or body ("St", "Royal", "Queen", "Prince").
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in text.split())


FORENAMES = _words("""
aaliyah aaron abbie abby abdul abdullah abigail adam adeel adele aden aditya adrian ahmad ahmed aidan aiden aisha
aishah alan albert alex alexa alexander alexandra alfie ali alice alicia alisha alison alistair aliyah amal amanda
amara amelia amina amir amira amy ana andre andrea andrew andy angela angelika anika anita ann anna anne annie
anthony antonio anya archie aria ariana arjun arlo arthur asad ashley ashton asif asma aston ava ayaan ayesha
bailey barbara barry beatrice becky bella ben benjamin bernard beth bethany betty beverley bilal billy blessing
bobby bogdan brandon brenda brian brooke bryony caitlin callum calum cameron carl carla carly carmen carol caroline
carys casey catherine cerys chantelle charlene charles charley charlie charlotte chidi chinedu chloe chris christina
christine christopher ciara ciaran claire colin connor conor craig cristian daisy dale damian damien dan daniel
daniela danielle danny darius darren dave david dawid dean debbie deborah declan demi denise dennis derek devon
diana diane dominic dominika donna dorothy dylan eden edward eileen elaine eleanor elijah elise eliza elizabeth
ella ellie elliot elliott eloise elsie emeka emily emma eric erin esme ethan eva evan evie ewa ezra fahad faisal
farah fatima fatuma finley finn fiona francesca freddie freya gabriel gabriela gail gareth gary gavin gemma
geoffrey george georgia gillian gordon graham gregory habib hafsa haider hamza hannah harley harriet harrison
harry harvey hassan hayden hayley heather heidi helen henry hollie holly hugo hussain ian ibrahim idris igor
imogen imran irene isaac isabel isabella isabelle isla ismail iyla jack jackie jackson jacob jade jake jakub
jamal james jamie jan jane janet janice jasmine jason jay jayden jayne jean jeff jenna jennifer jenny jeremy
jess jessica jill joan joanne jodie joe joel joey john jon jonathan joseph josh joshua joy julia julie julian
justin kacper kai kaitlyn kamal kamil karen karim karl kate katherine kathleen kathryn katie katy kayden kayla
kayleigh keira keith kelly kelsey kenneth kerry kevin khadija kian kieran kim kimberley kirsty kyle lacey laila
lana laura lauren layla leah lee leila lena leo leon leonardo lewis lexi liam lily lisa logan lois lola lorraine
louis louise lucas lucy luis luke lydia lynne maciej madison maisie maja malik mandy marcus margaret maria mariam
marie marilyn marta martha martin mary maryam mason matilda matthew maya megan melissa mia michael michaela
michal michelle mikolaj millie mohamed mohammad mohammed molly muhammad mustafa nadia naomi nasir natalia natalie
natasha nathan neil niamh nicola nicole nigel nikita nina noah noor nora oliver olivia oliwia omar oscar owen
paige pamela patricia patrick paul paula pauline peter petra philip phoebe piotr poppy precious priya rachel
rahul rana rani rebecca reece reggie rhys ricky rio riley rita robert robyn ronald ronnie rory rosie ross rowan
roxanne ruby rukhsana ryan sadia safiya sally samantha samir samuel sandra sanjay sara sarah scarlett scott
sean shabana shane shannon sharon shauna shaun sheila shirley sian sienna simon sofia sonia sophia sophie stacey
stanley stefan stella stephanie stephen steven stuart susan suzanne szymon tamara tanya tara teresa terry thea
theo theodore thomas tia tilly tim timothy tina toby tom tommy tony tracey tracy tyler usman valerie vanessa
vicky vincent wayne wendy wiktoria william wojciech yasmin yusuf zac zach zachary zahra zain zainab zara zoe
zofia zuzanna
""")

# Forenames that are also ordinary words, places or saints' names in hospital names: a name only with a
# surname after them ("Grace Taylor"), never alone ("by grace", "Victoria Infirmary", "in May").
AMBIGUOUS_FORENAMES = _words("""
amber april august jan autumn bill brook carter chase chelsea clay crystal dawn dean devon drew faith florence frank
gene ginger grace harper hope hunter iris ivy jack jordan joy june justice kent lincoln lily mark marshall may
miles milan paris pat penny preston raven reed rich rob rose ruby sage scarlett sky skye spencer sue summer
sunny taylor victoria will winter
""")

SURNAMES = _words("""
abbott adams ahmed akhtar ali allen anderson armstrong atkinson bailey barker barnes begum bell bennett
bibi campbell carr chapman choudhury chowdhury clarke clark collins cooper coulson cunningham davies davis dawson
dixon edwards ellis evans ferguson fisher fletcher foster gibson gill graham grant gray griffiths hall harris
harrison harvey hassan henderson hewitt holmes hughes hussain hussein iqbal jackson james jenkins johnson
johnston jones kaur kelly kennedy khan kowalczyk kowalski lewis lloyd macdonald mahmood marshall martin mcdonald
mckenzie miah mills mitchell morgan morris murphy murray nowak obi okafor okonkwo okoro owen palmer parker patel
pearson phillips powell quinn rahman reid reynolds richards richardson riley roberts robertson robinson rogers
ross russell ryan saunders scott shah sharma shaw simpson singh smith stevens stewart sullivan taylor thompson
thomson walker watson webb wilkinson williams wilson wisniewski wojcik wright yusuf zielinski
""")

TITLES = _words("mr mrs ms miss mx master dr prof sir dame lady lord rev revd pc dc ds di dci sgt pcso insp")

NOT_NAMES = _words("""
a about academy accident acute adult adults adviser advisor after agencies agency all also ambulance an and
annual any appendix april area areas as asc assessment at attendance august authority autumn b baby barnardo's
barnardos before being board borough bradford bridge bu business but by c cafcass camhs cards care case cases
centre chair chief child children children's childrens chronology city clinical co commissioner community
concerns conference core council county court crown cspr csc cps d daily date day days december decision
deputy designated detective didsbury director district doctor domestic dudley duty e early east eccles education
emergency engagement england environment ethnic evening every exploitation f family february first for foundation
fostering friday from g general gm gmp gp greater group guardian h halesowen he head health help her here his
home hospital housing huddersfield hub i icb if in independent information initial inspector integrated into
ipswich is it its january july june justice k kirklees l la lado lead leader learning leeds lgbt liaison line
local lowestoft m manager manchester march marac mash may meeting mental mental-health midwife midwifery midwives
monday morning multi multi-agency national neglect nhs night no north not november nurse nursery o ocg october of
officer ofsted oldham on one or our out p panel partner partners partnership people person pfizer police practice
primary prison probation professional programme protection provider prp q r rapid referral region report
representative review royal s safeguarding salford sar saturday school schools second secretary senior service
services sergeant she signs social south specialist state statutory stockport stourbridge suffolk summer sunday
support t team the their they this thursday to trafford trust tuesday u under unit university v victim virtual
w walkden wednesday west when while winter with within worker workers x y year young youth z
a&e acorn adoption advocacy agreement ambulance anti approved arrangements assurance audit autism avenue barnsley
bolton bury child's coordinator coroner coroner's crisis criminal cumbria dewsbury disclosure district's drug
drugs ed emergency employment enfield essex exclusion fire forum frontline gateway gmmh heath high infirmary
inquest intensive kent lancashire law leisure liverpool maternity medical mersey metropolitan ministry neonatal
new newcastle nursing ombudsman operation operational paediatric paediatrics pathway pennine pupil quality recovery
referral referrals registered rescue residential respite restorative royal's sandwell sefton sheffield shelter
staff stepping sure sussex tameside teaching tribunal urgent visiting walsall ward wigan wolverhampton women's
yorkshire ambulance's birmingham brierley coventry halifax hill ipswich's kingsway leicester midlands moss side
swinton worsley irlam cadishead pendleton broughton ordsall langworthy kersal little hulton boothstown felixstowe
bury st edmunds sudbury haverhill stowmarket newmarket beccles woodbridge heaton cheadle bramhall marple hazel grove
reddish edgeley brinnington batley holmfirth mirfield spen valley colne tipton sedgley kingswinford brierley
coseley netherton lye wordsley amblecote gornal cradley quarry bank oldbury west bromwich calderdale wakefield
christie hope pennine acute alder hey manchester's hollins park meadowbank whitehall lancasterian tameside's
safer neighbourhood neighbourhoods missing persons exploitation's channel prevent mappa mace iapt ehcp send senco
dsl dsls dslo lscp lcspr sab ssab sscp sspp kscp ssscb icb's gmca nspcc childline refuge women's aid samaritans
victim support turning point change grow live cgl achieve humankind we are with you
""") | _words("""
allegations alleged already although attended because bruising children's concern concerned cpp cin lac cla
emotional physical sexual financial material discriminatory organisational institutional self-neglect modern
slavery radicalisation trafficking fgm honour forced marriage county lines cse cce
mother father mum dad stepfather stepmother grandmother grandfather nan grandad aunt uncle sibling siblings brother
sister daughter son partner ex-partner boyfriend girlfriend carer carers foster guardian parents parent
""")

# What makes the capitalised words before it a place or a body, not a person.
INSTITUTION_WORDS = _words("""
academy avenue building building's centre charity close clinic college court crescent drive estate foundation
gardens green grove hall health home hospice hospital house infirmary lane law laws library lodge mews nursery
park place practice primary prison project rise road school schools square street surgery terrace trust unit
university walk ward way wing academy's hospital's school's centre's house's
""")

BEFORE_INSTITUTION = _words("st st. saint queen king prince princess royal duke duchess lady")
