import { makeStyles } from '@material-ui/core';
import { LogoIcon } from './LogoIcon';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    alignItems: 'center',
    gap: 10,
    color: '#7df3e1',
  },
  word: {
    fontSize: 24,
    fontWeight: 700,
    letterSpacing: 0.5,
  },
});

/** The Mooring wordmark: the anchor and the name. */
export const LogoFull = () => {
  const classes = useStyles();
  return (
    <span className={classes.root}>
      <LogoIcon />
      <span className={classes.word}>Mooring</span>
    </span>
  );
};
