/** Questions offered at enrollment when the admin lists none. */
export const DEFAULT_QUESTIONS = [
  'What was the name of your first pet?',
  'In which town or city did your parents meet?',
  'What was the first concert you went to?',
  'What was the make and model of your first car?',
  'What is the name of the street you grew up on?',
  'What was the name of your favourite teacher at primary school?',
  'What is the middle name of your oldest sibling?',
  'In which town or city did you have your first job?',
  'What was the name of your childhood best friend?',
  'What was the first film you saw in a cinema?',
];
